using System.Diagnostics.Metrics;
using Collaboration.Labs.V1;
using Microsoft.Extensions.Logging;

namespace Collaboration.Labs.Data;

public sealed class LabMetricsOptions
{
    /// <summary>How old the counts may be before an observation reads them again from PostgreSQL.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Platforms by kind × level × state as an observable gauge on the "Collaboration.Labs" meter. The
/// counts come from PostgreSQL at most once per refresh interval however often the exporter observes;
/// when the database cannot be read the last counts are reported again.
/// </summary>
public sealed class LabMetrics : IHostedService, IDisposable
{
    public const string MeterName = "Collaboration.Labs";
    public const string GaugeName = "collaboration.labs.platforms";

    private readonly LabStore _store;
    private readonly LabMetricsOptions _options;
    private readonly ILogger<LabMetrics> _logger;
    private readonly Meter _meter;
    private readonly Lock _gate = new();
    private IReadOnlyList<Measurement<long>> _last = [];
    private DateTime _readAt = DateTime.MinValue;

    public LabMetrics(LabStore store, LabMetricsOptions options, IMeterFactory meters, ILogger<LabMetrics> logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge(GaugeName, Observe, unit: "{platform}", description: "Innovation platforms by kind, level and state");
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        lock (_gate)
        {
            if (DateTime.UtcNow - _readAt < _options.RefreshInterval)
            {
                return _last;
            }
            try
            {
                _last = _store.Counts().Select(c => new Measurement<long>(c.Count,
                    new KeyValuePair<string, object?>("kind", ((Lab.Types.Kind)c.Kind).ToString()),
                    new KeyValuePair<string, object?>("level", ((Lab.Types.Level)c.Level).ToString()),
                    new KeyValuePair<string, object?>("state", ((Lab.Types.State)c.State).ToString()))).ToList();
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                _logger.LogWarning("Platform counts not read: {Message}", ex.Message);
            }
            _readAt = DateTime.UtcNow;
            return _last;
        }
    }

    // A hosted service only so the gauge exists from start-up, not from the first request.
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _meter.Dispose();
}
