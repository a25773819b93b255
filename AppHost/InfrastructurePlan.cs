using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;

namespace Collaboration.AppHost;

public enum InfrastructureMode
{
    /// <summary>A server named by <c>ConnectionStrings:&lt;name&gt;</c>; nothing is started for it.</summary>
    Existing,
    /// <summary>The standard Aspire container integrations.</summary>
    Containers,
    /// <summary>PostgreSQL from the local server binaries, the cache as an embedded Garnet server.</summary>
    Local,
}

/// <summary>
/// Where PostgreSQL and the cache come from, decided before the model is built: a container resource
/// with no engine behind it never becomes healthy and everything waiting for it hangs without a word.
/// </summary>
public sealed record InfrastructurePlan(
    InfrastructureMode Postgres,
    InfrastructureMode Cache,
    PostgresBinaries? PostgresBinaries,
    string DataDirectory)
{
    /// <summary><c>auto</c> (default), <c>containers</c> or <c>local</c>; e.g. <c>-- --infra containers</c>.</summary>
    public const string InfraKey = "Infra";
    /// <summary>Where local servers keep their data and the dev signing key; default <c>&lt;repo&gt;/.data</c>.</summary>
    public const string DataDirectoryKey = "DataDirectory";

    public static bool TryChoose(IConfiguration configuration, string appHostDirectory,
        [NotNullWhen(true)] out InfrastructurePlan? plan, [NotNullWhen(false)] out string? problem)
    {
        plan = null;
        var requested = (configuration[InfraKey] ?? "auto").Trim().ToLowerInvariant();
        if (requested is not ("auto" or "containers" or "local"))
        {
            problem = $"Unknown --infra '{configuration[InfraKey]}': use auto, containers or local.";
            return false;
        }

        var repoRoot = Path.GetFullPath(Path.Combine(appHostDirectory, ".."));
        var dataDirectory = Path.GetFullPath(configuration[DataDirectoryKey] is { Length: > 0 } configured
            ? Path.Combine(repoRoot, configured)
            : Path.Combine(repoRoot, ".data"));

        var postgresGiven = !string.IsNullOrWhiteSpace(configuration.GetConnectionString(ResourceNames.Postgres));
        var cacheGiven = !string.IsNullOrWhiteSpace(configuration.GetConnectionString(ResourceNames.Cache));
        if (postgresGiven && cacheGiven)
        {
            plan = new(InfrastructureMode.Existing, InfrastructureMode.Existing, null, dataDirectory);
            problem = null;
            return true;
        }

        if (requested == "containers" || (requested == "auto" && ContainerEngine.Answers()))
        {
            plan = new(postgresGiven ? InfrastructureMode.Existing : InfrastructureMode.Containers,
                cacheGiven ? InfrastructureMode.Existing : InfrastructureMode.Containers, null, dataDirectory);
            problem = null;
            return true;
        }

        PostgresBinaries? binaries = null;
        if (!postgresGiven && !PostgresBinaries.TryFind(configuration, out binaries, out var missing))
        {
            problem = $"""
                Collaboration needs PostgreSQL and cannot start one: {missing}{(requested == "auto" ? ", and no container engine answers (docker/podman info)" : "")}.
                Fix one of: install the PostgreSQL server binaries (e.g. `apt-get install postgresql`); start Docker or Podman (then `dotnet run --project AppHost -- --infra containers`); or use an existing server with ConnectionStrings__postgres="Host=...;Port=5432;Username=...;Password=...".
                """;
            return false;
        }

        plan = new(postgresGiven ? InfrastructureMode.Existing : InfrastructureMode.Local,
            cacheGiven ? InfrastructureMode.Existing : InfrastructureMode.Local, binaries, dataDirectory);
        problem = null;
        return true;
    }
}
