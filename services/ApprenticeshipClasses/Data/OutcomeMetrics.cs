using System.Diagnostics.Metrics;
using Collaboration.Apprenticeships.V1;
using GroupBy = Collaboration.Apprenticeships.V1.ComputeLandingRatesRequest.Types.GroupBy;

namespace Collaboration.Apprenticeships.Data;

public sealed class OutcomeMetricsOptions
{
    /// <summary>How old the figures may be before an observation reads them again from PostgreSQL.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Landing figures per industry chain as observable gauges on the "Collaboration.Apprenticeships"
/// meter, read with the same SQL as ComputeLandingRates at most once per refresh interval however
/// often the exporter observes; when the database cannot be read the last figures are reported again.
/// </summary>
public sealed class OutcomeMetrics : IHostedService, IDisposable
{
    public const string MeterName = "Collaboration.Apprenticeships";

    private readonly OutcomeStore _store;
    private readonly OutcomeMetricsOptions _options;
    private readonly ILogger<OutcomeMetrics> _logger;
    private readonly Meter _meter;
    private readonly Lock _gate = new();
    private IReadOnlyList<LandingRateGroup> _last = [];
    private DateTime _readAt = DateTime.MinValue;

    public OutcomeMetrics(OutcomeStore store, OutcomeMetricsOptions options, IMeterFactory meters, ILogger<OutcomeMetrics> logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("collaboration.apprenticeships.completed", () => Observe(g => (long)g.Completed),
            unit: "{learner}", description: "Learners who completed, by industry chain");
        _meter.CreateObservableGauge("collaboration.apprenticeships.employed_in_city", () => Observe(g => (long)g.EmployedInCity),
            unit: "{learner}", description: "Completed learners employed in the city, by industry chain");
        _meter.CreateObservableGauge("collaboration.apprenticeships.employed_by_sponsor", () => Observe(g => (long)g.EmployedBySponsor),
            unit: "{learner}", description: "Completed learners employed by a sponsor of their cohort, by industry chain");
        _meter.CreateObservableGauge("collaboration.apprenticeships.landing_rate", () => ObserveRate(g => g.HasLandingRate ? g.LandingRate : null),
            unit: "1", description: "Employed in the city ÷ completed, by industry chain");
        _meter.CreateObservableGauge("collaboration.apprenticeships.commitment_fulfilment",
            () => ObserveRate(g => g.HasCommitmentFulfilment ? g.CommitmentFulfilment : null),
            unit: "1", description: "Employed by a sponsor ÷ placement commitment, by industry chain");
    }

    private IEnumerable<Measurement<long>> Observe(Func<LandingRateGroup, long> value) =>
        Groups().Select(g => new Measurement<long>(value(g), new KeyValuePair<string, object?>("industry_chain", g.Key)));

    private IEnumerable<Measurement<double>> ObserveRate(Func<LandingRateGroup, double?> value) =>
        Groups().Where(g => value(g) is not null)
            .Select(g => new Measurement<double>(value(g)!.Value, new KeyValuePair<string, object?>("industry_chain", g.Key)));

    private IReadOnlyList<LandingRateGroup> Groups()
    {
        lock (_gate)
        {
            if (DateTime.UtcNow - _readAt < _options.RefreshInterval)
            {
                return _last;
            }
            try
            {
                _last = _store.LandingRates(GroupBy.IndustryChain);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                _logger.LogWarning("Landing figures not read: {Message}", ex.Message);
            }
            _readAt = DateTime.UtcNow;
            return _last;
        }
    }

    // A hosted service only so the gauges exist from start-up, not from the first request.
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _meter.Dispose();
}
