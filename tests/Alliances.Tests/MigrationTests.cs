using System.Reflection;
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

    /// <summary>Members joined before consent existed were never asked; they stay what they were: active, or left.</summary>
    [Fact]
    public async Task Migrate_MembersFromBeforeConsent_BecomeActive_OrLeftWhenTheyLeft()
    {
        var database = $"consent_{Guid.NewGuid():N}"[..20];
        var ct = TestContext.Current.CancellationToken;
        await using (var server = new NpgsqlConnection(fixture.Postgres.ConnectionString("postgres")))
        {
            await server.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", server);
            await create.ExecuteNonQueryAsync(ct);
        }
        var connectionString = fixture.Postgres.ConnectionString(database);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        // The schema as it was: the scripts before 002, recorded as applied.
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            var sql = new System.Text.StringBuilder("CREATE TABLE schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());");
            foreach (var (assembly, file) in new[] { (typeof(DatabaseMigrator).Assembly, "000_shared.sql"), (typeof(Extensions).Assembly, "001_alliances.sql") })
            {
                sql.Append(Script(assembly, file)).Append(';');
                sql.Append($"INSERT INTO schema_migrations (id) VALUES ('{assembly.GetName().Name}/{file}');");
            }
            sql.Append("""
                INSERT INTO alliances (id, display_name, industry_chain, lead_code, lead_name, state, member_count)
                VALUES ('00000000-0000-0000-0000-000000000001', 'Old alliance', 'energy', 'L', 'Lead Co.', 3, 2);
                INSERT INTO alliance_members (id, alliance_id, credit_code, org_name, org_kind, role, joined_date, left_date) VALUES
                    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'L', 'Lead Co.', 1, 1, '2020-01-01', NULL),
                    ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-000000000001', 'U', 'Uni', 2, 3, '2020-01-01', NULL),
                    ('00000000-0000-0000-0000-0000000000a3', '00000000-0000-0000-0000-000000000001', 'F', 'Former', 2, 3, '2020-01-01', '2022-01-01');
                """);
            await using var command = new NpgsqlCommand(sql.ToString(), connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        await new DatabaseMigrator(dataSource, new MigrationSource(typeof(Extensions).Assembly, connectionString), new MigrationState(),
            NullLogger<DatabaseMigrator>.Instance).MigrateAsync(ct);

        await using var read = await dataSource.OpenConnectionAsync(ct);
        await using var states = new NpgsqlCommand("SELECT string_agg(credit_code || '=' || state, ',' ORDER BY credit_code) FROM alliance_members", read);
        Assert.Equal("F=5,L=2,U=2", await states.ExecuteScalarAsync(ct)); // LinkState: 2 active, 5 left
    }

    private static string Script(Assembly assembly, string file)
    {
        using var stream = assembly.GetManifestResourceStream(assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + file, StringComparison.Ordinal)))!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
