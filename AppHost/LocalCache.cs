using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Collaboration.AppHost;

/// <summary>
/// The cache as an embedded Garnet server (services/CacheServer). Garnet rather than Debian's
/// redis-server because it comes from NuGet with the build: the cache needs nothing installed,
/// and it speaks the Redis protocol the services' StackExchange.Redis clients expect.
/// </summary>
public static class LocalCache
{
    private const string HealthCheckName = "cache-ping";

    public static Backing AddLocalCache(this IDistributedApplicationBuilder builder)
    {
        var port = Executables.FreeLoopbackPort();
        var server = builder.AddProject<Projects.CacheServer>(ResourceNames.CacheServer, static o => o.ExcludeLaunchProfile = true)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithArgs("--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--index", "16m", "--memory", "256m", "-q")
            .WithHealthCheck(HealthCheckName);
        builder.Services.AddHealthChecks().AddAsyncCheck(HealthCheckName, cancellation => PingAsync(port, cancellation));

        var endpoint = server.GetEndpoint("tcp");
        var connection = builder.AddConnectionString(ResourceNames.Cache,
            ReferenceExpression.Create($"127.0.0.1:{endpoint.Property(EndpointProperty.Port)}"));
        return new Backing(connection, server);
    }

    private static async Task<HealthCheckResult> PingAsync(int port, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), timeout.Token);
            var reply = new byte[7];
            var read = 0;
            while (read < reply.Length)
            {
                var n = await stream.ReadAsync(reply.AsMemory(read), timeout.Token);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            return reply.AsSpan(0, read).SequenceEqual("+PONG\r\n"u8)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("PING got no PONG.");
        }
        catch (Exception e) when (e is SocketException or IOException
                                   || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}
