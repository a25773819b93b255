using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using k8s.Models;

namespace Collaboration.Deploy.Tests;

/// <summary>
/// The AppHost's own description of itself (its Aspire manifest, <c>--publisher manifest</c>, which needs no Docker and
/// no network) against the Kubernetes manifests: a resource added to the AppHost and missing here fails. The other way
/// round is allowed (a workload here before it lands in the AppHost).
/// </summary>
public sealed class AppHostCoverageTests
{
    private static readonly Lazy<JsonElement> Resources = new(PublishAppHostManifest);

    /// <summary>The demo data the AppHost always loads; prod deliberately has none of it (see the README).</summary>
    private static readonly HashSet<string> DemoOnly = ["seeds", "seeds-client-secret", "identity-org-client-secret", "identity-demo-password"];

    public static TheoryData<string> Overlays => ["overlays/dev", "overlays/prod"];

    [Fact]
    public void TheAppHostManifest_ListsTheResourcesItIsKnownToHave()
    {
        var names = Resources.Value.EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "postgres", "cache", "identity", "alliances", "labs", "industrial-colleges", "apprenticeship-classes", "gateway", "seeds" }, names);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryAppHostProject_HasAWorkload(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        var workloads = manifest.Workloads.Select(w => w.Name).ToHashSet();
        foreach (var resource in Resources.Value.EnumerateObject().Where(r => Type(r) == "project.v0"))
        {
            if (overlay.EndsWith("prod", StringComparison.Ordinal) && DemoOnly.Contains(resource.Name))
            {
                Assert.DoesNotContain(resource.Name, workloads);
                continue;
            }
            Assert.True(workloads.Contains(resource.Name), $"{overlay}: the AppHost's {resource.Name} has no Deployment or Job");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryAppHostDatabase_IsADatabaseOfTheCluster_GivenToAWorkloadUnderTheSameName(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        var connections = PostgresTests.Connections(manifest);
        var databases = manifest.All<Database>().Select(d => d.Spec.Name).ToHashSet();
        var found = 0;
        foreach (var resource in Resources.Value.EnumerateObject().Where(r => Type(r) == "value.v0"))
        {
            var connectionString = resource.Value.GetProperty("connectionString").GetString()!;
            if (!connectionString.StartsWith("{postgres.connectionString}", StringComparison.Ordinal))
            {
                continue;
            }
            var database = connectionString.Split(';').Select(p => p.Split('=', 2)).Single(p => p[0] == "Database")[1];
            Assert.Contains(database, databases);
            Assert.Contains(connections, c => c.Name == resource.Name && c.Database == database);
            found++;
        }
        Assert.True(found >= 5, $"the AppHost manifest named {found} databases");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryAppHostSecretParameter_IsASecretAWorkloadReferences(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        var referenced = manifest.Workloads.SelectMany(w => w.Template.Spec.Containers).SelectMany(c => c.Env ?? [])
            .Select(e => e.ValueFrom?.SecretKeyRef?.Name).OfType<string>().ToHashSet();
        var secrets = Resources.Value.EnumerateObject()
            .Where(r => Type(r) == "parameter.v0" && r.Value.GetProperty("inputs").GetProperty("value").TryGetProperty("secret", out var s) && s.GetBoolean())
            .Select(r => r.Name)
            // The servers the AppHost was pointed at (ConnectionStrings__postgres, __cache) are the cluster and the cache.
            .Where(n => n is not ("postgres" or "cache"))
            .ToList();
        Assert.Contains("learner-identity-key", secrets);
        foreach (var name in secrets)
        {
            if (overlay.EndsWith("prod", StringComparison.Ordinal) && DemoOnly.Contains(name))
            {
                Assert.DoesNotContain(name, referenced);
                continue;
            }
            Assert.True(referenced.Contains(name), $"{overlay}: the AppHost's secret {name} is given to no workload");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void TheAppHostsServers_AreTheClusterAndTheCache(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        Assert.Contains(manifest.All<Cluster>(), c => c.Metadata.Name == "postgres");
        var cache = Assert.Single(manifest.All<V1Service>(), s => s.Metadata.Name == "cache");
        Assert.Contains(manifest.Deployments, d => Selectors.Matches(new V1LabelSelector { MatchLabels = cache.Spec.Selector }, d.Spec.Template.Metadata.Labels));
    }

    private static string? Type(JsonProperty resource) => resource.Value.GetProperty("type").GetString();

    /// <summary>
    /// Runs the AppHost built next to these tests as its manifest publisher. PostgreSQL and the cache are given as
    /// existing servers (nothing is started or installed), and the data directory is a temporary one.
    /// </summary>
    private static JsonElement PublishAppHostManifest()
    {
        var configuration = typeof(AppHostCoverageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var appHost = Path.Combine(Repository.Root, "AppHost", "bin", configuration, "net10.0", "Collaboration.AppHost.dll");
        Assert.True(File.Exists(appHost), $"{appHost} is not built");
        var temp = Directory.CreateTempSubdirectory("apphost-manifest-");
        try
        {
            var output = Path.Combine(temp.FullName, "aspire-manifest.json");
            var start = new ProcessStartInfo("dotnet", [appHost, "--publisher", "manifest", "--output-path", output,
                "--DataDirectory", Path.Combine(temp.FullName, "data")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = temp.FullName,
            };
            start.Environment["ConnectionStrings__postgres"] = "Host=postgres-rw";
            start.Environment["ConnectionStrings__cache"] = "cache:6379";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("the AppHost's manifest publisher did not finish within 2 minutes");
            }
            Assert.True(process.ExitCode == 0 && File.Exists(output), $"the manifest publisher failed: {stdout.Result}{stderr.Result}");
            using var json = JsonDocument.Parse(File.ReadAllText(output));
            return json.RootElement.GetProperty("resources").Clone();
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }
}
