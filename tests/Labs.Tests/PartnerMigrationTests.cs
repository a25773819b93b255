using Collaboration.Labs.Grpc;
using Npgsql;

namespace Collaboration.Labs.Tests;

/// <summary>
/// Partners recorded before consent existed: the migration makes a current one ACTIVE and one with a left date
/// LEFT, and the platform's partner_count counts the ACTIVE ones. Run on a database of its own at the schema before consent.
/// </summary>
public sealed class PartnerMigrationTests(LabsFixture fixture)
{
    private static string Script(string file)
    {
        var assembly = typeof(LabsGrpcService).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".Migrations." + file, StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ExistingPartners_BecomeActive_OrLeftWhenTheyLeft_AndOnlyActiveAreCounted()
    {
        var database = "labs_migration_" + Guid.NewGuid().ToString("N")[..8];
        await using (var server = new NpgsqlConnection(fixture.Postgres.ServerConnectionString))
        {
            await server.OpenAsync(TestContext.Current.CancellationToken);
            await ExecuteAsync(server, $"CREATE DATABASE {database}");
        }
        await using var connection = new NpgsqlConnection(fixture.Postgres.ConnectionString(database));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await ExecuteAsync(connection, Script("001_labs.sql"));
        await ExecuteAsync(connection, Script("002_organization_posts.sql"));
        await ExecuteAsync(connection, """
            INSERT INTO labs (id, kind, level, display_name, host_code, host_name, host_kind, research_field, state, partner_count)
            VALUES ('00000000-0000-7000-8000-000000000001', 1, 1, 'Before consent', '914313001874265378', 'Host', 1, 'steel', 9, 2);
            INSERT INTO lab_partners (id, lab_id, credit_code, org_name, org_kind, joined_date, left_date) VALUES
                ('00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-000000000001', '12431302448731207H', 'Current', 2, '2022-03-01', NULL),
                ('00000000-0000-7000-8000-0000000000a2', '00000000-0000-7000-8000-000000000001', '12431300449023587Q', 'Former', 2, '2022-03-01', '2024-01-31'),
                ('00000000-0000-7000-8000-0000000000a3', '00000000-0000-7000-8000-000000000001', '12431300449023587Q', 'Back again', 2, '2024-06-01', NULL);
            """);

        await ExecuteAsync(connection, Script("003_partner_consent.sql"));

        await using var read = new NpgsqlCommand("SELECT string_agg(org_name || ':' || state, ',' ORDER BY id) FROM lab_partners", connection);
        Assert.Equal("Current:2,Former:5,Back again:2", await read.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        await using var count = new NpgsqlCommand("SELECT partner_count FROM labs", connection);
        Assert.Equal(2, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        // The live-link rule holds from now on: the same organisation cannot be invited while it is a partner.
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, """
            INSERT INTO lab_partners (id, lab_id, credit_code, org_name, org_kind, state)
            VALUES ('00000000-0000-7000-8000-0000000000a4', '00000000-0000-7000-8000-000000000001', '12431302448731207H', 'Twice', 2, 1)
            """));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
    }
}
