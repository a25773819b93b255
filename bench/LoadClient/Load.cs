using System.Collections.Concurrent;
using System.Diagnostics;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;

namespace Collaboration.Bench;

/// <summary>Unary calls with opaque bodies, so any frame h2load sends can be replayed and checked here.</summary>
public sealed class Caller : IDisposable
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);
    private readonly GrpcChannel _channel;
    private readonly Method<byte[], byte[]> _method;
    private readonly Metadata _headers;
    private readonly Func<byte[]> _request;

    public Caller(Options options)
    {
        _channel = GrpcChannel.ForAddress(options.Get("url"), new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
        _headers = new Metadata { { "authorization", "Bearer " + options.Get("token") } };
        string path;
        if (options.Has("create"))
        {
            path = "collaboration.alliances.v1.AllianceService/CreateAlliance";
            var code = options.Get("org");
            _request = () => new CreateAllianceRequest
            {
                RequestId = Guid.NewGuid().ToString(),
                Alliance = new Alliance
                {
                    DisplayName = "Bench write " + Guid.NewGuid().ToString("N"),
                    IndustryChain = "steel-new-materials",
                    CharterSummary = "Created by bench/run.",
                    LeadOrganization = new Organization { CreditCode = code, Name = "Bench Enterprise", Kind = OrganizationKind.Enterprise },
                },
            }.ToByteArray();
        }
        else
        {
            path = options.Get("method");
            var body = Frames.Unwrap(File.ReadAllBytes(options.Get("frame")));
            _request = () => body;
        }
        var slash = path.LastIndexOf('/');
        _method = new Method<byte[], byte[]>(MethodType.Unary, path[..slash].TrimStart('/'), path[(slash + 1)..], Raw, Raw);
    }

    public async Task<(StatusCode Status, int Bytes)> CallAsync(TimeSpan deadline)
    {
        try
        {
            var response = await _channel.CreateCallInvoker().AsyncUnaryCall(_method, null,
                new CallOptions(_headers, DateTime.UtcNow + deadline), _request());
            return (StatusCode.OK, response.Length);
        }
        catch (RpcException e)
        {
            return (e.StatusCode, 0);
        }
    }

    public void Dispose() => _channel.Dispose();
}

/// <summary>Latencies (µs) and status codes of one run.</summary>
public sealed class Tally
{
    private readonly LongHistogram _histogram = new(60_000_000, 3);
    private readonly ConcurrentDictionary<StatusCode, long> _statuses = new();
    private readonly Lock _lock = new();

    public void Record(long elapsedTicks, StatusCode status)
    {
        var micros = Math.Max(1, elapsedTicks * 1_000_000 / Stopwatch.Frequency);
        lock (_lock)
        {
            _histogram.RecordValue(Math.Min(micros, 60_000_000));
        }
        _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
    }

    public long Errors => _statuses.Where(s => s.Key != StatusCode.OK).Sum(s => s.Value);

    /// <summary>Prints the figures; returns 0 when every call succeeded.</summary>
    public int Print(double seconds)
    {
        var ok = _statuses.GetValueOrDefault(StatusCode.OK);
        Output.Value("ok", ok);
        Output.Value("errors", Errors);
        Output.Value("rps", ok / seconds);
        foreach (var (status, count) in _statuses.Where(s => s.Key != StatusCode.OK))
        {
            Output.Value("status_" + status, count);
        }
        if (_histogram.TotalCount > 0)
        {
            Output.Value("p50_ms", _histogram.GetValueAtPercentile(50) / 1000.0);
            Output.Value("p90_ms", _histogram.GetValueAtPercentile(90) / 1000.0);
            Output.Value("p99_ms", _histogram.GetValueAtPercentile(99) / 1000.0);
            Output.Value("p999_ms", _histogram.GetValueAtPercentile(99.9) / 1000.0);
            Output.Value("max_ms", _histogram.GetMaxValue() / 1000.0);
        }
        if (Errors > 0)
        {
            Console.Error.WriteLine("failed calls: " + string.Join(", ", _statuses.Where(s => s.Key != StatusCode.OK).Select(s => $"{s.Key} x{s.Value}")));
            return 2;
        }
        return 0;
    }
}

public static class Load
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Sends the request --count times in sequence; every call must be OK.</summary>
    public static async Task<int> CheckAsync(Options options)
    {
        using var caller = new Caller(options);
        var tally = new Tally();
        var bytes = 0;
        for (var i = 0; i < (int)options.Number("count", 1); i++)
        {
            var start = Stopwatch.GetTimestamp();
            var (status, length) = await caller.CallAsync(Deadline);
            tally.Record(Stopwatch.GetTimestamp() - start, status);
            bytes = length;
        }
        Output.Value("response_bytes", bytes);
        return tally.Print(1);
    }

    /// <summary>Retries one call until it succeeds or --timeout seconds pass (start-up).</summary>
    public static async Task<int> WaitAsync(Options options)
    {
        using var caller = new Caller(options);
        var deadline = Stopwatch.GetTimestamp() + (long)(options.Number("timeout", 120) * Stopwatch.Frequency);
        var last = StatusCode.Unknown;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                (last, _) = await caller.CallAsync(TimeSpan.FromSeconds(2));
            }
            catch (HttpRequestException)
            {
                last = StatusCode.Unavailable;
            }
            if (last == StatusCode.OK)
            {
                return 0;
            }
            await Task.Delay(100);
        }
        Console.Error.WriteLine($"no successful call before the timeout (last: {last})");
        return 3;
    }

    /// <summary>
    /// Open loop at a fixed rate: requests are started on schedule whatever the responses do; latency
    /// is measured from each request's start.
    /// </summary>
    public static async Task<int> RateAsync(Options options)
    {
        using var caller = new Caller(options);
        var rps = options.Number("rps");
        var warmup = options.Number("warmup", 0);
        if (warmup > 0)
        {
            await RunAtRateAsync(caller, rps, warmup, new Tally());
        }
        var tally = new Tally();
        var seconds = options.Number("seconds");
        await RunAtRateAsync(caller, rps, seconds, tally);
        return tally.Print(seconds);
    }

    private static async Task RunAtRateAsync(Caller caller, double rps, double seconds, Tally tally)
    {
        var total = (long)(rps * seconds);
        var outstanding = new List<Task>((int)Math.Min(total, 1_000_000));
        // The schedule is kept by a thread of its own: sleeping on a thread-pool thread would take the only
        // worker a one-core client starts with, and every response would then wait for the pool to grow,
        // which the open loop would report as the server's latency.
        await Task.Factory.StartNew(() =>
        {
            var start = Stopwatch.GetTimestamp();
            long sent = 0;
            while (sent < total)
            {
                var due = Math.Min(total, (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * rps) + 1);
                for (; sent < due; sent++)
                {
                    outstanding.Add(OneAsync(caller, tally));
                }
                Thread.Sleep(1);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(outstanding);
    }

    private static async Task OneAsync(Caller caller, Tally tally)
    {
        var start = Stopwatch.GetTimestamp();
        var (status, _) = await caller.CallAsync(Deadline);
        tally.Record(Stopwatch.GetTimestamp() - start, status);
    }

    /// <summary>Closed loop: --concurrency callers, each sending its next request when the last is answered.</summary>
    public static async Task<int> ClosedAsync(Options options)
    {
        using var caller = new Caller(options);
        var concurrency = (int)options.Number("concurrency", 16);
        var warmup = options.Number("warmup", 0);
        if (warmup > 0)
        {
            await RunClosedAsync(caller, concurrency, warmup, new Tally());
        }
        var seconds = options.Number("seconds");
        var tally = new Tally();
        var elapsed = await RunClosedAsync(caller, concurrency, seconds, tally);
        return tally.Print(elapsed);
    }

    private static async Task<double> RunClosedAsync(Caller caller, int concurrency, double seconds, Tally tally)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(seconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                await OneAsync(caller, tally);
            }
        }));
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
