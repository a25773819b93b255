using Collaboration.Alliances;
using Collaboration.Alliances.Grpc;
using Collaboration.Gateway;
using Collaboration.Shared.Hosting;
using Collaboration.TestSupport;

[assembly: AssemblyFixture(typeof(Collaboration.Gateway.Tests.GatewayFixture))]

namespace Collaboration.Gateway.Tests;

/// <summary>The gateway in front of a real Alliances replica (asking the organisation directory, the real identity service), with a small per-caller limit and body limit.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    // A burst well above the refill, so that a bucket per method or per protocol cannot hide behind refills.
    public const int PermitsPerSecond = 1;
    public const int Burst = 10;
    public const int MaxBodyBytes = 64 * 1024;

    public PostgresServer Postgres { get; private set; } = null!;
    public CacheServer Cache { get; private set; } = null!;
    public DirectoryServer Directory { get; private set; } = null!;
    public ServiceHost Alliances { get; private set; } = null!;
    /// <summary>Default limits: every test's calls pass the rate limiter.</summary>
    public ServiceHost Gateway { get; private set; } = null!;
    /// <summary>A tight per-caller limit. Unauthenticated callers share one bucket per address, so only rate-limit tests use it.</summary>
    public ServiceHost LimitedGateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Cache = new CacheServer();
        Directory = await DirectoryServer.StartAsync(Postgres);
        Alliances = await ServiceHost.StartAsync(b => b.AddAllianceServices(), a => a.MapCollaborationService<AlliancesGrpcService>(),
            new Dictionary<string, string?>(Directory.Settings)
            {
                ["ConnectionStrings:alliancesdb"] = Postgres.ConnectionString("alliances"),
                ["ConnectionStrings:cache"] = Cache.ConnectionString,
            });
        Gateway = await StartGatewayAsync(limited: false);
        LimitedGateway = await StartGatewayAsync(limited: true);
    }

    private Task<ServiceHost> StartGatewayAsync(bool limited)
    {
        var settings = new Dictionary<string, string?>
        {
            // What the AppHost's WithReference gives the gateway: service discovery entries per endpoint.
            ["Services:alliances:grpc:0"] = $"http://127.0.0.1:{Alliances.GrpcPort}",
            ["Services:alliances:http:0"] = $"http://127.0.0.1:{Alliances.HttpPort}",
            ["Gateway:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (limited)
        {
            settings["RateLimit:PermitsPerSecond"] = PermitsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["RateLimit:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return ServiceHost.StartAsync(b => b.AddGatewayServices(), a => a.MapGateway(), settings);
    }

    public async ValueTask DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
        if (LimitedGateway is not null)
        {
            await LimitedGateway.DisposeAsync();
        }
        if (Alliances is not null)
        {
            await Alliances.DisposeAsync();
        }
        if (Directory is not null)
        {
            await Directory.DisposeAsync();
        }
        Cache?.Dispose();
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }
}
