using System.Text.Json.Nodes;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collaboration.Seeds;

/// <summary>
/// <c>load</c>: walks every seed file that is present (alliances, labs, industrial colleges, cohorts, talent) through the gateway's gRPC API.
/// Talent comes last: its catalogue is compiled from the cohorts' supply.
/// </summary>
public static class LoadCommand
{
    public const string DefaultGateway = "http://localhost:8080";
    public static readonly string[] WalkFiles = ["alliances.json", "labs.json", "industrial-colleges.json", "cohorts.json", "talent.json"];
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
            var files = WalkFiles.Select(f => Path.Combine(dataDirectory, f)).Where(File.Exists)
                .Select(path => (Name: Path.GetFileName(path), Records: SeedWalk.Read(path))).Where(f => f.Records.Count > 0).ToList();
            var auth = DevEnvironment.AuthOptions(builder.Configuration, options);
            var gatewayAddress = Address(builder.Configuration, "Gateway:GrpcUrl") ?? new Uri(DefaultGateway);
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Collaboration.Seeds");
            using var gateway = new GatewayClient(gatewayAddress, logger);
            var owners = new Dictionary<string, Actor>();
            var walk = new SeedWalk(gateway, data, Actor.Admin(auth),
                o => owners.TryGetValue(o.CreditCode, out var a) ? a : owners[o.CreditCode] = Actor.OwnerOf(auth, o));

            Console.Out.WriteLine($"Seeding {string.Join(", ", files.Select(f => $"{f.Records.Count} records of {f.Name}"))}"
                + $" as {data.Organizations.Count} organisations and an admin from {dataDirectory} through {gatewayAddress}");
            foreach (var absent in WalkFiles.Except(files.Select(f => f.Name)))
            {
                Console.Out.WriteLine($"Skipping {absent}: not in {dataDirectory}, or empty.");
            }
            foreach (var (name, records) in files)
            {
                var service = SeedWalk.ServiceOf(records);
                if (!await walk.WaitForAsync(service, stopping))
                {
                    Console.Out.WriteLine($"Skipped {name}: {gatewayAddress} does not serve {service.FullName} (UNIMPLEMENTED).");
                    continue;
                }
                var outcomes = await GatewayClient.SeedEachAsync(records, name, r => r.Key,
                    async r => (r, await walk.WalkAsync(r, stopping)), Line, Console.Out);
                Console.Out.WriteLine($"Done: {outcomes.Count} records of {name}, each where the seeds expect it.");
            }
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

    /// <summary>A record's line: where its last call (the final read) found it.</summary>
    private static string Line((SeedRecord Record, JsonObject? Last) outcome)
    {
        var last = outcome.Last;
        return $"  {outcome.Record.Key,-50} {(string?)last?["state"],-26} {(string?)last?["displayName"]}  {(string?)last?["name"]}";
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
