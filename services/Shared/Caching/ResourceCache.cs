using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Collaboration.Shared.Caching;

public sealed class ResourceCacheOptions
{
    /// <summary>How long a resource stays in the shared (Redis-protocol) cache.</summary>
    public TimeSpan SharedTtl { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>How long a replica keeps a resource in its own memory.</summary>
    public TimeSpan LocalTtl { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Key prefix, one per service, e.g. "alliances".</summary>
    public string Prefix { get; set; } = "collab";
}

/// <summary>
/// A read-through cache of serialized resources in two tiers: each replica's memory, then the
/// shared Redis-protocol server. A write deletes the shared entry and publishes the key, and every
/// replica drops its local copy when the message arrives.
/// The cache is an optimisation, never a dependency: when the server is unreachable every call
/// goes to PostgreSQL, and the local tier is bypassed too (invalidations could not reach it).
/// After a reconnect the local tier is cleared, since messages may have been missed meanwhile.
/// </summary>
public sealed class ResourceCache : IHostedService, IDisposable
{
    private static readonly Meter Meter = new("Collaboration.Cache");
    private static readonly Counter<long> Lookups = Meter.CreateCounter<long>("collaboration.cache.lookups", description: "Cache lookups by tier and outcome");

    private readonly IConnectionMultiplexer? _redis;
    private readonly ResourceCacheOptions _options;
    private readonly ILogger<ResourceCache> _logger;
    private readonly MemoryCache _local = new(new MemoryCacheOptions());
    private readonly RedisChannel _channel;
    private volatile bool _subscribed;
    private int _handlerRegistered;

    public ResourceCache(ResourceCacheOptions options, ILogger<ResourceCache> logger, IConnectionMultiplexer? redis = null)
    {
        _redis = redis;
        _options = options;
        _logger = logger;
        _channel = RedisChannel.Literal($"{options.Prefix}:invalidate");
    }

    private bool SharedAvailable => _redis is { IsConnected: true };

    public async Task<byte[]?> GetAsync(string key)
    {
        if (!SharedAvailable)
        {
            Lookups.Add(1, new KeyValuePair<string, object?>("outcome", "bypass"));
            return null;
        }
        if (_subscribed && _local.TryGetValue(key, out byte[]? local))
        {
            Lookups.Add(1, new KeyValuePair<string, object?>("outcome", "local_hit"));
            return local;
        }
        try
        {
            var value = await _redis!.GetDatabase().StringGetAsync(Key(key));
            if (value.HasValue)
            {
                var bytes = (byte[])value!;
                SetLocal(key, bytes);
                Lookups.Add(1, new KeyValuePair<string, object?>("outcome", "shared_hit"));
                return bytes;
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _logger.LogDebug("Cache read failed: {Message}", ex.Message);
        }
        Lookups.Add(1, new KeyValuePair<string, object?>("outcome", "miss"));
        return null;
    }

    public async Task SetAsync(string key, byte[] value)
    {
        if (!SharedAvailable)
        {
            return;
        }
        try
        {
            await _redis!.GetDatabase().StringSetAsync(Key(key), value, _options.SharedTtl);
            SetLocal(key, value);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _logger.LogDebug("Cache write failed: {Message}", ex.Message);
        }
    }

    public async Task InvalidateAsync(string key)
    {
        _local.Remove(key);
        if (!SharedAvailable)
        {
            return;
        }
        try
        {
            var database = _redis!.GetDatabase();
            await database.KeyDeleteAsync(Key(key));
            await database.PublishAsync(_channel, key);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _logger.LogWarning("Cache invalidation of {Key} failed: {Message}", key, ex.Message);
        }
    }

    private void SetLocal(string key, byte[] value)
    {
        if (_subscribed)
        {
            _local.Set(key, value, _options.LocalTtl);
        }
    }

    private string Key(string key) => $"{_options.Prefix}:{key}";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            return;
        }
        _redis.ConnectionFailed += (_, _) => { _subscribed = false; _local.Clear(); };
        // The client re-subscribes by itself after a reconnect; we only have to forget what we may have missed.
        _redis.ConnectionRestored += (_, _) => { _local.Clear(); _ = SubscribeAsync(); };
        await SubscribeAsync();
    }

    private async Task SubscribeAsync()
    {
        if (Volatile.Read(ref _handlerRegistered) == 1)
        {
            _subscribed = _redis!.IsConnected;
            return;
        }
        try
        {
            await _redis!.GetSubscriber().SubscribeAsync(_channel, (_, message) => _local.Remove((string)message!));
            Volatile.Write(ref _handlerRegistered, 1);
            _subscribed = _redis.IsConnected;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _subscribed = false;
            _logger.LogWarning("Cache invalidation channel not subscribed: {Message}", ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _local.Dispose();
}
