using System.Threading.RateLimiting;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Primitives;

namespace Collaboration.Gateway;

/// <summary>
/// A token bucket per caller: the token's <c>sub</c> when there is one, else the client address.
/// Rejections are RESOURCE_EXHAUSTED with a RetryInfo for gRPC, 429 with Retry-After for JSON.
/// </summary>
public static class CallerRateLimit
{
    public const string Policy = "per-caller";
    private const string Message = "Rate limit exceeded; retry later.";
    private const int MaxRetrySeconds = 60;

    private static readonly byte[] JsonRejection =
        """{"code":8,"message":"Rate limit exceeded; retry later.","details":[]}"""u8.ToArray();
    private static readonly StringValues JsonContentType = "application/json";
    private static readonly RetryAdvice?[] AdviceBySeconds = new RetryAdvice?[MaxRetrySeconds + 1];

    public static IServiceCollection AddCallerRateLimit(this IServiceCollection services, RateLimitOptions limits)
    {
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limits.Burst),
            TokensPerPeriod = Math.Max(1, limits.PermitsPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            // The partitioned limiter replenishes all buckets from one timer.
            AutoReplenishment = false,
        };
        Func<object, RateLimiter> createBucket = _ => new TokenBucketRateLimiter(bucket);
        return services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Policy, context => new RateLimitPartition<object>(PartitionKey(context), createBucket));
            options.OnRejected = OnRejectedAsync;
        });
    }

    // Both keys already exist as objects (a claim value, the connection's address): nothing is allocated per request.
    private static object PartitionKey(HttpContext context) =>
        context.User.FindFirst("sub")?.Value ?? (object?)context.Connection.RemoteIpAddress ?? string.Empty;

    private static ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellation)
    {
        var context = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Clamp((int)Math.Ceiling(retryAfter.TotalSeconds), 1, MaxRetrySeconds)
            : 1;
        var advice = AdviceBySeconds[seconds] ??= new RetryAdvice(seconds);
        if (GrpcEdge.IsGrpc(context.Request))
        {
            GrpcEdge.WriteStatus(context.Response, Grpc.Core.StatusCode.ResourceExhausted, Message, advice.StatusDetailsBin);
            return ValueTask.CompletedTask;
        }
        context.Response.Headers.RetryAfter = advice.RetryAfter;
        context.Response.Headers.ContentType = JsonContentType;
        return context.Response.Body.WriteAsync(JsonRejection, cancellation);
    }

    /// <summary>The Retry-After header and the google.rpc.Status (with RetryInfo) for one wait in seconds.</summary>
    private sealed class RetryAdvice(int seconds)
    {
        public StringValues RetryAfter { get; } = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public StringValues StatusDetailsBin { get; } = Convert.ToBase64String(new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = Message,
            Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) }) },
        }.ToByteArray()).TrimEnd('=');
    }
}
