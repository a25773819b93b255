using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collaboration.Seeds;

/// <summary>
/// <c>load</c>: every seed file that is present (alliances, then labs, then industrial colleges) through the gateway's gRPC API.
/// </summary>
public static class LoadCommand
{
    public const string DefaultGateway = "http://localhost:8080";
    private static readonly string[] ValueOptions = ["--seed-data", "--data-dir"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = CommandLine.Parse(args, ValueOptions, []);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.AddServiceDefaults();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        using var host = builder.Build();
        await host.StartAsync();
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        try
        {
            var dataDirectory = DevEnvironment.SeedDataDirectory(options);
            var data = SeedData.Load(dataDirectory);
            var auth = DevEnvironment.AuthOptions(builder.Configuration, options);
            var configuration = builder.Configuration;
            var gatewayAddress = Address(configuration, "Gateway:GrpcUrl") ?? new Uri(DefaultGateway);
            // For testing against a service directly, without a gateway in front of it.
            var alliancesAddress = Address(configuration, "Seeds:AlliancesGrpcUrl");
            var labsAddress = Address(configuration, "Seeds:LabsGrpcUrl");
            var collegesAddress = Address(configuration, "Seeds:CollegesGrpcUrl");
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Collaboration.Seeds");

            using var gateway = new GatewayClient(gatewayAddress, logger);
            using var alliancesDirect = alliancesAddress is null ? null : new GatewayClient(alliancesAddress, logger);
            using var labsDirect = labsAddress is null ? null : new GatewayClient(labsAddress, logger);
            using var collegesDirect = collegesAddress is null ? null : new GatewayClient(collegesAddress, logger);
            var admin = Actor.Admin(auth);
            var owners = new Dictionary<string, Actor>();
            Actor OwnerOf(SeedOrganization o) => owners.TryGetValue(o.CreditCode, out var a) ? a : owners[o.CreditCode] = Actor.OwnerOf(auth, o);

            Console.Out.WriteLine($"Seeding {data.Alliances.Count} alliances, {data.Labs.Count} labs and {data.Colleges.Count} industrial colleges"
                + $" of {data.Organizations.Count} organisations"
                + $" from {dataDirectory} through {gatewayAddress}"
                + (alliancesDirect is null ? "" : $" (alliances through {alliancesDirect.Address})")
                + (labsDirect is null ? "" : $" (labs through {labsDirect.Address})")
                + (collegesDirect is null ? "" : $" (industrial colleges through {collegesDirect.Address})"));
            foreach (var file in data.Absent)
            {
                Console.Out.WriteLine($"Skipping {file}: not in {dataDirectory}.");
            }
            if (data.Alliances.Count > 0)
            {
                await new AllianceSeeder(alliancesDirect ?? gateway, data, admin, OwnerOf, logger, Console.Out).SeedAsync(stopping);
            }
            if (data.Labs.Count > 0)
            {
                await new LabSeeder(labsDirect ?? gateway, data, admin, OwnerOf, logger, Console.Out).SeedAsync(stopping);
            }
            if (data.Colleges.Count > 0)
            {
                await new CollegeSeeder(collegesDirect ?? gateway, data, admin, OwnerOf, logger, Console.Out).SeedAsync(stopping);
            }
            await CohortSeeder.RunAsync(configuration, gateway, dataDirectory, data, admin, OwnerOf, logger, Console.Out, stopping);
            return 0;
        }
        catch (Exception e) when (stopping.IsCancellationRequested && e is OperationCanceledException or RpcException)
        {
            Console.Error.WriteLine("seeds: cancelled.");
            return 130;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static Uri? Address(IConfiguration configuration, string key)
    {
        if (configuration[key] is not { Length: > 0 } value)
        {
            return null;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new SeedException($"{key} '{value}' is not an http:// or https:// address.", SeedException.Usage);
        }
        return address;
    }
}
