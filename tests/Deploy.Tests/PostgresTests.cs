using System.Data.Common;
using k8s.Models;

namespace Collaboration.Deploy.Tests;

/// <summary>PostgreSQL as a CloudNativePG cluster: a database and a role per service, each service connected to its own, backups declared.</summary>
public sealed class PostgresTests
{
    public static TheoryData<string> Overlays => ["overlays/dev", "overlays/prod"];

    public sealed record Connection(string Workload, string Name, string Host, string Database, string Username, string PasswordSecret);

    /// <summary>Every <c>ConnectionStrings__*db</c> a workload is given, with the Secret its password comes from.</summary>
    public static List<Connection> Connections(Manifest manifest)
    {
        var connections = new List<Connection>();
        foreach (var (name, template) in manifest.Workloads)
        {
            foreach (var container in template.Spec.Containers)
            {
                var env = container.Env ?? [];
                foreach (var variable in env.Where(e => e.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal) && e.Name.EndsWith("db", StringComparison.Ordinal)))
                {
                    var builder = new DbConnectionStringBuilder { ConnectionString = variable.Value };
                    var password = (string)builder["Password"];
                    var secret = env.Single(e => $"$({e.Name})" == password).ValueFrom.SecretKeyRef.Name;
                    connections.Add(new(name, variable.Name["ConnectionStrings__".Length..], (string)builder["Host"], (string)builder["Database"],
                        (string)builder["Username"], secret));
                }
            }
        }
        return connections;
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryService_HasItsOwnDatabase_OwnedByItsOwnRole_OnThePrimary(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        var cluster = Assert.Single(manifest.All<Cluster>());
        var connections = Connections(manifest);
        Assert.True(connections.Count >= 5, $"{overlay}: {connections.Count} connection strings");
        Assert.Equal(connections.Count, connections.Select(c => c.Database).Distinct().Count());
        Assert.Equal(connections.Count, connections.Select(c => c.Username).Distinct().Count());
        var roles = cluster.Spec.Managed!.Roles;
        foreach (var connection in connections)
        {
            // Writes go to the primary: CloudNativePG's read-write service.
            Assert.Equal($"{cluster.Metadata.Name}-rw", connection.Host);
            var database = Assert.Single(manifest.All<Database>(), d => d.Spec.Name == connection.Database);
            Assert.Equal(cluster.Metadata.Name, database.Spec.Cluster.Name);
            Assert.Equal(connection.Username, database.Spec.Owner);
            var role = Assert.Single(roles, r => r.Name == connection.Username);
            Assert.True(role.Login);
            // The service logs in with the password the operator set from the same Secret.
            Assert.Equal(connection.PasswordSecret, role.PasswordSecret?.Name);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Backups_AreDeclared_ToAnObjectStore_AndScheduled(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        var cluster = Assert.Single(manifest.All<Cluster>());
        var store = cluster.Spec.Backup?.BarmanObjectStore;
        Assert.True(store is not null, $"{overlay}: no backup configuration");
        Assert.StartsWith("s3://", store.DestinationPath);
        Assert.NotNull(store.S3Credentials?.AccessKeyId?.Name);
        Assert.NotNull(store.S3Credentials?.SecretAccessKey?.Name);
        Assert.False(string.IsNullOrEmpty(cluster.Spec.Backup!.RetentionPolicy));
        var scheduled = Assert.Single(manifest.All<ScheduledBackup>());
        Assert.Equal(cluster.Metadata.Name, scheduled.Spec.Cluster.Name);
        Assert.Equal("barmanObjectStore", scheduled.Spec.Method);
        Assert.Equal(6, scheduled.Spec.Schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Prod_ConnectionPoolsAtTheAutoscalersMaxima_FitPostgresMaxConnections()
    {
        var manifest = Manifest.Prod;
        var cluster = Assert.Single(manifest.All<Cluster>());
        var maxConnections = int.Parse(cluster.Spec.Postgresql!["parameters"]["max_connections"], System.Globalization.CultureInfo.InvariantCulture);
        var autoscalers = manifest.All<V2HorizontalPodAutoscaler>().ToDictionary(h => h.Spec.ScaleTargetRef.Name, h => h.Spec.MaxReplicas);
        var total = 0;
        foreach (var (name, template) in manifest.Workloads)
        {
            foreach (var variable in template.Spec.Containers.SelectMany(c => c.Env ?? []).Where(e => e.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal) && e.Name.EndsWith("db", StringComparison.Ordinal)))
            {
                var builder = new DbConnectionStringBuilder { ConnectionString = variable.Value };
                Assert.True(builder.TryGetValue("Maximum Pool Size", out var pool), $"{name}: no Maximum Pool Size (Npgsql's default is 100 per replica)");
                var replicas = autoscalers.TryGetValue(name, out var max) ? max : manifest.Deployments.Single(d => d.Metadata.Name == name).Spec.Replicas ?? 1;
                total += replicas * int.Parse((string)pool, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        // Room left for the operator, replication, superuser_reserved_connections and a person with psql.
        Assert.True(total <= maxConnections - 50, $"pools at the maxima need {total} connections; max_connections is {maxConnections}");
    }
}
