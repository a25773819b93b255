using System.Text.Json;
using Collaboration.Identity.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Collaboration.Identity.Data;

/// <summary>Whether the schema and the configured clients and accounts are in place; unhealthy until then.</summary>
public sealed class IdentityDatabaseState : IHealthCheck
{
    private volatile bool _ready;
    private volatile string _status = "waiting for the database";

    public bool IsReady => _ready;
    internal void Set(string status) => _status = status;
    internal void MarkReady() { _status = "ready"; _ready = true; }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready ? HealthCheckResult.Healthy(_status) : HealthCheckResult.Unhealthy(_status));
}

/// <summary>
/// Creates the identity database if missing and its schema (EF Core <c>EnsureCreated</c>) under a
/// PostgreSQL advisory lock so replicas never race, then registers the configured clients, the
/// bootstrap organisations and accounts (passwords from configuration).
/// </summary>
public sealed class IdentityDatabaseInitializer(IServiceScopeFactory scopes, IConfiguration configuration, IdentityDatabaseState state,
    IOptions<IdentityServiceOptions> options, ILogger<IdentityDatabaseInitializer> logger) : BackgroundService
{
    public const string ConnectionName = "identitydb";
    private const long LockKey = 0x436F6C6C61624964; // "CollabId"

    /// <summary>The directory's search by name prefix (lower-cased, so Latin letters match in either case).</summary>
    private const string NamePrefixIndex = """
        CREATE INDEX IF NOT EXISTS organizations_name_prefix ON organizations (lower("Name") text_pattern_ops)
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not configured.");
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await CreateDatabaseAsync(connectionString, stoppingToken);
                await using var lockConnection = new NpgsqlConnection(connectionString);
                await lockConnection.OpenAsync(stoppingToken);
                await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
                {
                    take.Parameters.AddWithValue("key", LockKey);
                    await take.ExecuteNonQueryAsync(stoppingToken);
                }
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var db = scope.ServiceProvider.GetRequiredService<IdentityDb>();
                    state.Set("creating the schema");
                    await db.Database.EnsureCreatedAsync(stoppingToken);
                    // EnsureCreated builds nothing on a database that already exists, so the directory's index is added here.
                    await db.Database.ExecuteSqlRawAsync(NamePrefixIndex, stoppingToken);
                    state.Set("registering clients and accounts");
                    await RegisterClientsAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), stoppingToken);
                    await RegisterAccountsAsync(db, scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>(), stoppingToken);
                }
                state.MarkReady();
                logger.LogInformation("Identity database ready");
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or DbUpdateException or InvalidOperationException
                && !stoppingToken.IsCancellationRequested)
            {
                state.Set($"attempt {attempt} failed: {e.Message}");
                logger.LogWarning(e, "Identity database not ready (attempt {Attempt})", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), stoppingToken);
            }
        }
    }

    private static async Task CreateDatabaseAsync(string connectionString, CancellationToken ct)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var database = target.Database ?? throw new InvalidOperationException("The identity connection string names no database.");
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(ct) is not null)
        {
            return;
        }
        try
        {
            // An identifier cannot be a parameter; quote it.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"")}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
        }
    }

    private async Task RegisterClientsAsync(IOpenIddictApplicationManager applications, CancellationToken ct)
    {
        foreach (var client in options.Value.Clients)
        {
            if (string.IsNullOrEmpty(client.ClientId) || string.IsNullOrEmpty(client.ClientSecret) || !Roles.IsKnown(client.Role)
                || (client.Role != Roles.Admin && string.IsNullOrEmpty(client.Organization)))
            {
                throw new InvalidOperationException($"Identity:Clients entry '{client.ClientId}' needs a secret, a role, and an organisation unless it is an admin.");
            }
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = client.ClientId,
                ClientSecret = client.ClientSecret,
                ClientType = ClientTypes.Confidential,
                DisplayName = client.ClientId,
                Permissions = { Permissions.Endpoints.Token, Permissions.Endpoints.Revocation, Permissions.GrantTypes.ClientCredentials },
            };
            descriptor.Properties["role"] = JsonSerializer.SerializeToElement(client.Role);
            if (client.Role != Roles.Admin)
            {
                descriptor.Properties["org"] = JsonSerializer.SerializeToElement(client.Organization);
            }
            await UpsertAsync(applications, descriptor, ct);
        }
        foreach (var client in options.Value.PortalClients)
        {
            var confidential = !string.IsNullOrEmpty(client.ClientSecret);
            var descriptor = new OpenIddictApplicationDescriptor
            {
                ClientId = client.ClientId,
                ClientSecret = confidential ? client.ClientSecret : null,
                ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
                ConsentType = ConsentTypes.Implicit,
                DisplayName = client.ClientId,
                Permissions =
                {
                    Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
                    Permissions.Endpoints.EndSession,
                    Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            };
            foreach (var uri in client.RedirectUris)
            {
                descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
            }
            foreach (var uri in client.PostLogoutRedirectUris)
            {
                descriptor.PostLogoutRedirectUris.Add(new Uri(uri, UriKind.Absolute));
            }
            await UpsertAsync(applications, descriptor, ct);
        }
    }

    private static async Task UpsertAsync(IOpenIddictApplicationManager applications, OpenIddictApplicationDescriptor descriptor, CancellationToken ct)
    {
        var existing = await applications.FindByClientIdAsync(descriptor.ClientId!, ct);
        if (existing is null)
        {
            await applications.CreateAsync(descriptor, ct);
        }
        else
        {
            await applications.UpdateAsync(existing, descriptor, ct);
        }
    }

    private async Task RegisterAccountsAsync(IdentityDb db, IPasswordHasher<User> hasher, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var organization in options.Value.Organizations)
        {
            if (!Shared.Validation.CreditCode.IsValid(organization.Code) || !OrganizationKinds.All.Contains(organization.Kind))
            {
                throw new InvalidOperationException($"Identity:Organizations entry '{organization.Code}' needs a valid credit code (both check characters) and a known kind.");
            }
            var row = await db.Organizations.FindAsync([organization.Code], ct);
            if (row is null)
            {
                db.Organizations.Add(new Organization { Code = organization.Code, Name = organization.Name, Kind = organization.Kind, CreatedAt = now });
            }
            else
            {
                row.Name = organization.Name;
                row.Kind = organization.Kind;
            }
        }
        await db.SaveChangesAsync(ct);
        foreach (var account in options.Value.Users)
        {
            if (string.IsNullOrWhiteSpace(account.Email) || string.IsNullOrEmpty(account.Password) || !Roles.IsKnown(account.Role)
                || (account.Role != Roles.Admin && string.IsNullOrEmpty(account.Organization)))
            {
                throw new InvalidOperationException($"Identity:Users entry '{account.Email}' needs a password, a role, and an organisation unless it is an admin.");
            }
            var email = Accounts.PasswordSignIn.Normalize(account.Email);
            var user = await db.Users.SingleOrDefaultAsync(u => u.Email == email, ct);
            if (user is null)
            {
                user = new User { Id = Guid.NewGuid(), Email = email, Role = account.Role, CreatedAt = now };
                db.Users.Add(user);
            }
            user.Role = account.Role;
            user.OrganizationCode = account.Role == Roles.Admin ? null : account.Organization;
            if (user.PasswordHash is null || hasher.VerifyHashedPassword(user, user.PasswordHash, account.Password) == PasswordVerificationResult.Failed)
            {
                user.PasswordHash = hasher.HashPassword(user, account.Password);
            }
        }
        await db.SaveChangesAsync(ct);
    }
}
