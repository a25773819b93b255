using Collaboration.Shared.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Collaboration.Alliances.Tests;

public sealed class MigrationTests(AlliancesFixture fixture)
{
    [Fact]
    public async Task Migrate_ReplicasStartingTogether_ApplyEachScriptOnceAndBothSucceed()
    {
        var database = $"race_{Guid.NewGuid():N}"[..20];
        var connectionString = fixture.Postgres.ConnectionString(database);
        var source = new MigrationSource(typeof(Extensions).Assembly, connectionString);
        var dataSources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        var states = dataSources.Select(_ => new MigrationState()).ToList();
        var health = new MigrationHealthCheck(states[0]);
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status);

        var migrators = dataSources.Select((ds, i) => new DatabaseMigrator(ds, source, states[i], NullLogger<DatabaseMigrator>.Instance)).ToList();
        foreach (var migrator in migrators)
        {
            await migrator.StartAsync(TestContext.Current.CancellationToken);
        }
        await Task.WhenAll(migrators.Select(m => m.ExecuteTask!)).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.All(states, s => Assert.True(s.IsReady, s.Status));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status);

        await using var connection = await dataSources[0].OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT id) FROM schema_migrations", connection);
        await using var reader = await count.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, reader.GetInt64(0)); // the shared script and the service's two
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
        foreach (var dataSource in dataSources)
        {
            await dataSource.DisposeAsync();
        }
    }
}
