namespace Collaboration.Gateway;

/// <summary>Edge limits (configuration section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;
    public long MaxBulkRequestBodyBytes { get; set; } = 64 * 1024 * 1024;
    /// <summary>How long a streaming call may stay idle; YARP's default (100 s) would cut quiet streams.</summary>
    public TimeSpan StreamingActivityTimeout { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>Per-caller token bucket (configuration section <c>RateLimit</c>); the defaults leave room for benchmarks.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    public int PermitsPerSecond { get; set; } = 5000;
    public int Burst { get; set; } = 10000;
}
