using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace Collaboration.Seeds;

/// <summary>
/// Someone the loader acts as: the admin client or a seeded organisation's owner client at the identity
/// service. Tokens are short-lived and fetched again before they run out, so a slow run (services still
/// migrating) never sends an expired one.
/// </summary>
public sealed class Actor(string subject, Func<CancellationToken, Task<IssuedToken>> issue)
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(90);
    private IssuedToken? _token;

    public string Subject => subject;

    public static Actor Admin(TokenSource tokens) => new(tokens.AdminSubject, tokens.AdminAsync);

    public static Actor OwnerOf(TokenSource tokens, SeedOrganization organization) =>
        new(tokens.OwnerSubject(organization), ct => tokens.OwnerAsync(organization, ct));

    public async Task<Metadata> HeadersAsync(CancellationToken cancellationToken)
    {
        if (_token is not { } token || token.Expires - DateTime.UtcNow < RenewBefore)
        {
            token = await issue(cancellationToken);
            _token = token;
        }
        return new Metadata { { "authorization", $"Bearer {token.AccessToken}" } };
    }
}

/// <summary>AIP-155 request ids derived from what a step does, so that a second run replays instead of writing twice.</summary>
public static class RequestIds
{
    public const string Namespace = "collaboration-seeds/";

    /// <summary>A name-based (version 5 style, SHA-1) UUID of <c>collaboration-seeds/{key}</c>.</summary>
    public static string Stable(string key)
    {
        var bytes = SHA1.HashData(Encoding.UTF8.GetBytes(Namespace + key)).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}

public sealed class GatewayClient : IDisposable
{
    private static readonly ActivitySource Activity = new(typeof(GatewayClient).Assembly.GetName().Name!);

    /// <summary>
    /// The walk every seeder does: each record in turn, in a trace span of its own, a line printed per outcome; a call
    /// the API refuses stops the load with an error that names the record (<paramref name="kind"/> and its slug).
    /// </summary>
    public static async Task<List<TOutcome>> SeedEachAsync<TSeed, TOutcome>(IEnumerable<TSeed> seeds, string kind, Func<TSeed, string> slug,
        Func<TSeed, Task<IReadOnlyList<TOutcome>>> seedOne, Func<TOutcome, string> line, TextWriter output)
    {
        var outcomes = new List<TOutcome>();
        foreach (var seed in seeds)
        {
            using var activity = Activity.StartActivity($"seed {kind} {slug(seed)}");
            IReadOnlyList<TOutcome> seeded;
            try
            {
                seeded = await seedOne(seed);
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw new SeedException($"{kind} '{slug(seed)}': {Describe(e)}");
            }
            foreach (var outcome in seeded)
            {
                outcomes.Add(outcome);
                output.WriteLine(line(outcome));
            }
        }
        return outcomes;
    }

    /// <summary><see cref="SeedEachAsync{TSeed, TOutcome}(IEnumerable{TSeed}, string, Func{TSeed, string}, Func{TSeed, Task{IReadOnlyList{TOutcome}}}, Func{TOutcome, string}, TextWriter)"/> for seeders with one outcome per record.</summary>
    public static Task<List<TOutcome>> SeedEachAsync<TSeed, TOutcome>(IEnumerable<TSeed> seeds, string kind, Func<TSeed, string> slug,
        Func<TSeed, Task<TOutcome>> seedOne, Func<TOutcome, string> line, TextWriter output) =>
        SeedEachAsync<TSeed, TOutcome>(seeds, kind, slug, async seed => [await seedOne(seed)], line, output);

    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan ReadyBudget = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly GrpcChannel _channel;
    private readonly ILogger _logger;

    public GatewayClient(Uri address, ILogger logger)
    {
        // An http:// address makes Grpc.Net.Client speak HTTP/2 without TLS (h2c), which the gateway's gRPC endpoint expects.
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            },
            DisposeHttpClient = true,
        });
        _logger = logger;
        Invoker = _channel.CreateCallInvoker();
        Address = address;
    }

    public Uri Address { get; }

    public CallInvoker Invoker { get; }

    /// <summary>
    /// Waits up to <see cref="ReadyBudget"/> for <paramref name="api"/> to answer <paramref name="probe"/> (a cheap
    /// admin read). False when the address does not serve that API at all (UNIMPLEMENTED: the gateway has no route to it).
    /// </summary>
    public async Task<bool> WaitForAsync<T>(string api, Actor admin, Func<CallOptions, AsyncUnaryCall<T>> probe, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync($"reaching {api}", admin, probe, cancellationToken, ReadyBudget);
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            _logger.LogWarning("{Address} does not serve {Api}: {Status}", Address, api, Describe(e));
            return false;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            throw new SeedException($"{Address} refused the loader's admin token for {api}: {Describe(e)}. "
                + "Do the gateway and the services trust the same identity service (Auth__Authority) the loader gets its tokens from?");
        }
    }

    /// <summary>
    /// Calls with a fresh deadline and token per attempt. UNAVAILABLE (services starting or migrating),
    /// DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are retried with backoff until <paramref name="budget"/>
    /// runs out; writes are safe to repeat because every one carries a stable request id.
    /// </summary>
    public async Task<T> CallAsync<T>(string what, Actor actor, Func<CallOptions, AsyncUnaryCall<T>> call,
        CancellationToken cancellationToken, TimeSpan? budget = null)
    {
        var giveUpAt = DateTime.UtcNow + (budget ?? RetryBudget);
        var backoff = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var options = new CallOptions(await actor.HeadersAsync(cancellationToken), DateTime.UtcNow + CallTimeout, cancellationToken);
                return await call(options);
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested && IsTransient(e))
            {
                var delay = RetryDelay(e) ?? backoff;
                if (DateTime.UtcNow + delay > giveUpAt)
                {
                    throw new SeedException($"{what}: {Describe(e)} — still failing after {attempt} attempts; is the gateway at {Address} up and the service behind it running?");
                }
                _logger.LogWarning("{What}: {Status}; attempt {Attempt}, retrying in {Delay:0.0} s", what, Describe(e), attempt, delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>The status, its message and the fields a BadRequest names.</summary>
    public static string Describe(RpcException e)
    {
        var text = string.IsNullOrEmpty(e.Status.Detail) ? e.StatusCode.ToString() : $"{e.StatusCode} ({e.Status.Detail})";
        var violations = e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => $"{v.Field}: {v.Description}").ToList();
        return violations is { Count: > 0 } ? $"{text} [{string.Join("; ", violations)}]" : text;
    }

    private static bool IsTransient(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted;

    private static TimeSpan? RetryDelay(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<RetryInfo>()?.RetryDelay?.ToTimeSpan() is { } delay && delay > TimeSpan.Zero
            ? TimeSpan.FromTicks(Math.Min(delay.Ticks, MaxBackoff.Ticks * 2))
            : null;

    public void Dispose() => _channel.Dispose();
}
