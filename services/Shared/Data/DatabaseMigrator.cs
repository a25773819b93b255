using System.Reflection;
using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Collaboration.Shared.Data;

/// <summary>Whether the schema is ready; the service reports unhealthy until it is.</summary>
public sealed class MigrationState
{
    private volatile bool _ready;
    private volatile string _status = "waiting for the database";

    public bool IsReady => _ready;
    public string Status => _status;

    internal void Set(string status) => _status = status;
    internal void MarkReady() { _status = "migrated"; _ready = true; }
}

public sealed class MigrationHealthCheck(MigrationState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsReady ? HealthCheckResult.Healthy(state.Status) : HealthCheckResult.Unhealthy(state.Status));
}

/// <summary>The embedded .sql scripts to apply: the shared ones first, then the service's, each in name order.</summary>
public sealed record MigrationSource(Assembly ServiceAssembly, string ConnectionString);

/// <summary>
/// Creates the service's database if it is missing, then applies versioned .sql scripts (embedded
/// resources) under a PostgreSQL advisory lock, so replicas starting together never race.
/// Each script runs in its own transaction together with its row in <c>schema_migrations</c>.
/// Not DbUp: it takes no lock (replicas would race), is synchronous, and keeping the existing journal, ids and
/// health state would need a custom journal, script list, lock and log around it, more code than this class.
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource dataSource, MigrationSource source, MigrationState state,
    ILogger<DatabaseMigrator> logger) : BackgroundService
{
    // Advisory locks are per database, and each service has its own database: one key serves all.
    private const long LockKey = 0x436F6C6C61624D67; // "CollabMg"

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await MigrateAsync(stoppingToken);
                state.MarkReady();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                attempt++;
                state.Set($"database not reachable yet: {ex.Message}");
                logger.LogWarning("Migration attempt {Attempt} failed: {Message}", attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), stoppingToken);
            }
        }
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await EnsureDatabaseAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("SELECT pg_advisory_lock(@LockKey)", new { LockKey });
        try
        {
            await connection.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
            var applied = (await connection.QueryAsync<string>("SELECT id FROM schema_migrations")).ToHashSet();
            foreach (var (id, sql) in Scripts())
            {
                if (applied.Contains(id))
                {
                    continue;
                }
                state.Set($"applying {id}");
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync("INSERT INTO schema_migrations (id) VALUES (@id)", new { id }, transaction);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Migration}", id);
            }
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
        }
    }

    private IEnumerable<(string Id, string Sql)> Scripts()
    {
        foreach (var assembly in new[] { typeof(DatabaseMigrator).Assembly, source.ServiceAssembly }.Distinct())
        {
            foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                using var stream = assembly.GetManifestResourceStream(resource)!;
                using var reader = new StreamReader(stream);
                // The id is the file name without the assembly's namespace prefix: "000_shared.sql".
                var id = resource[(resource.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
                yield return ($"{assembly.GetName().Name}/{id}", reader.ReadToEnd());
            }
        }
    }

    private async Task EnsureDatabaseAsync(CancellationToken cancellationToken)
    {
        // The data source's own string has the password stripped; the configured one still has it.
        var builder = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        var database = builder.Database;
        if (string.IsNullOrEmpty(database))
        {
            return;
        }
        try
        {
            await using var probe = await dataSource.OpenConnectionAsync(cancellationToken);
            return;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            logger.LogInformation("Database {Database} does not exist yet; creating it", database);
        }
        builder.Database = "postgres";
        builder.Pooling = false;
        await using var admin = new NpgsqlConnection(builder.ConnectionString);
        await admin.OpenAsync(cancellationToken);
        try
        {
            await admin.ExecuteAsync($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another replica created it first.
        }
        NpgsqlConnection.ClearAllPools();
    }
}
