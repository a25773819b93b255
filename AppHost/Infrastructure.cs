namespace Collaboration.AppHost;

/// <summary>A server the services connect to, and the resource to wait for (none when the server already exists).</summary>
public sealed record Backing(IResourceBuilder<IResourceWithConnectionString> Connection, IResourceBuilder<IResource>? Server);

/// <summary>The PostgreSQL server: a connection string without a database, and the resource to wait for.</summary>
public sealed record PostgresServer(ReferenceExpression ConnectionString, IResourceBuilder<IResource>? Server);

/// <summary>What every service shares: PostgreSQL and the cache.</summary>
public sealed record Infrastructure(
    IDistributedApplicationBuilder Builder,
    PostgresServer Postgres,
    Backing Cache);

public static class InfrastructureExtensions
{
    /// <summary>Adds PostgreSQL and the cache the way <paramref name="plan"/> chose.</summary>
    public static Infrastructure AddInfrastructure(this IDistributedApplicationBuilder builder, InfrastructurePlan plan)
    {
        var postgres = plan.Postgres switch
        {
            InfrastructureMode.Existing => new PostgresServer(
                builder.AddConnectionString(ResourceNames.Postgres).Resource.ConnectionStringExpression, null),
            InfrastructureMode.Containers => ContainerPostgres(builder),
            _ when !OperatingSystem.IsWindows() => builder.AddLocalPostgres(plan.PostgresBinaries!, plan.DataDirectory),
            _ => throw new PlatformNotSupportedException("Local PostgreSQL executables are supported on Linux and macOS."),
        };
        var cache = plan.Cache switch
        {
            InfrastructureMode.Existing => new Backing(builder.AddConnectionString(ResourceNames.Cache), null),
            InfrastructureMode.Containers => ContainerCache(builder),
            _ => builder.AddLocalCache(),
        };
        return new Infrastructure(builder, postgres, cache);
    }

    /// <summary>
    /// A connection string <c>&lt;name&gt;</c> (<c>ConnectionStrings__&lt;name&gt;</c>) to database
    /// <paramref name="databaseName"/> on the PostgreSQL server; the process that uses it creates the database when missing.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddDatabase(this Infrastructure infrastructure, string name, string databaseName)
    {
        var connection = infrastructure.Builder.AddConnectionString(name,
            ReferenceExpression.Create($"{infrastructure.Postgres.ConnectionString};Database={databaseName}"));
        if (infrastructure.Postgres.Server is { } postgres)
        {
            connection.WithParentRelationship(postgres);
        }
        return connection;
    }

    /// <summary>
    /// Adds a Collaboration gRPC service with its own database (<c>ConnectionStrings__&lt;database&gt;</c>,
    /// <c>Database=&lt;databaseName ?? name&gt;</c>; the service creates it when missing), the cache,
    /// a gRPC (h2c) and an HTTP/1.1 endpoint, and waits for the servers this AppHost starts.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddCollaborationService<TProject>(this Infrastructure infrastructure,
        string name, string database, string? databaseName = null)
        where TProject : IProjectMetadata, new()
    {
        var builder = infrastructure.Builder;
        var connection = infrastructure.AddDatabase(database, databaseName ?? name);

        var service = builder.AddCollaborationProject<TProject>(name)
            .WithGrpcAndHttpEndpoints()
            .WithHttpHealthCheck("/health", endpointName: EndpointNames.Http)
            .WithReference(connection)
            .WithReference(infrastructure.Cache.Connection);
        if (infrastructure.Postgres.Server is { } server)
        {
            service.WaitFor(server);
        }
        if (infrastructure.Cache.Server is { } cacheServer)
        {
            service.WaitFor(cacheServer);
        }
        return service;
    }

    private static PostgresServer ContainerPostgres(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres(ResourceNames.Postgres).WithDataVolume();
        return new PostgresServer(ReferenceExpression.Create($"{postgres};Max Auto Prepare=32"), postgres);
    }

    private static Backing ContainerCache(IDistributedApplicationBuilder builder)
    {
        var redis = builder.AddRedis(ResourceNames.Cache).WithDataVolume();
        return new Backing(redis, redis);
    }
}
