using System.Reflection;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Validation;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace Collaboration.Shared.Hosting;

public static class ServiceHosting
{
    /// <summary>The connection name of the shared Redis-protocol cache.</summary>
    public const string CacheConnectionName = "cache";

    static ServiceHosting()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new Dates.DateOnlyHandler());
    }

    /// <summary>
    /// Everything a Collaboration gRPC service needs the same way: service defaults, its own
    /// PostgreSQL database (migrated from the .sql files embedded in <paramref name="serviceAssembly"/>),
    /// the optional cache, bearer-token authentication, gRPC with JSON transcoding, OpenAPI,
    /// reflection and health. Every request passes <see cref="RequestValidationInterceptor"/> (text characters,
    /// industry chains) before its handler.
    /// </summary>
    public static IHostApplicationBuilder AddCollaborationService(this IHostApplicationBuilder builder, string databaseName,
        Assembly serviceAssembly, string title)
    {
        AddDefaultLogLevels(builder.Configuration);
        builder.AddServiceDefaults();

        builder.AddNpgsqlDataSource(databaseName, configureDataSourceBuilder: dataSource =>
        {
            // No session state outlives a pooled connection's use here (temp tables drop on commit, the migrator's
            // advisory lock is on its own connection): skip the reset Npgsql would otherwise run on every reuse.
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                // Every query is a handful of fixed statements: prepare them on each connection after two uses.
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = 32;
            }
        });
        builder.Services.AddSingleton(new MigrationSource(serviceAssembly, builder.Configuration.GetConnectionString(databaseName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{databaseName} is not configured.")));
        builder.Services.AddSingleton<MigrationState>();
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddHealthChecks().AddCheck<MigrationHealthCheck>("migrations");

        var cacheOptions = new ResourceCacheOptions { Prefix = databaseName };
        builder.Configuration.GetSection("Cache").Bind(cacheOptions);
        builder.Services.AddSingleton(cacheOptions);
        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(CacheConnectionName)))
        {
            // The cache is optional at run time: no health check (its outage must not make the
            // service unhealthy), no abort on a failed first connect, short timeouts.
            builder.AddRedisClient(CacheConnectionName,
                settings => settings.DisableHealthChecks = true,
                options =>
                {
                    options.AbortOnConnectFail = false;
                    options.ConnectTimeout = 1000;
                    options.SyncTimeout = 500;
                    options.AsyncTimeout = 500;
                    options.ConnectRetry = 1;
                    options.ReconnectRetryPolicy = new LinearRetry(1000);
                });
            builder.Services.AddSingleton(sp => new ResourceCache(cacheOptions, sp.GetRequiredService<ILogger<ResourceCache>>(),
                sp.GetRequiredService<IConnectionMultiplexer>()));
        }
        else
        {
            builder.Services.AddSingleton(sp => new ResourceCache(cacheOptions, sp.GetRequiredService<ILogger<ResourceCache>>()));
        }
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ResourceCache>());
        builder.Services.AddSingleton<WriteRunner>();

        builder.AddCollaborationAuthentication();

        builder.Services.AddSingleton(IndustryChains.Embedded());
        builder.Services.AddSingleton<RequestValidationInterceptor>();
        builder.Services.AddGrpc(options =>
        {
            options.Interceptors.Add<ErrorInterceptor>();
            options.Interceptors.Add<RequestValidationInterceptor>();
            options.MaxReceiveMessageSize = 4 * 1024 * 1024;
            options.EnableDetailedErrors = false;
        }).AddJsonTranscoding(options =>
            // Error details travel as Any; JSON needs their types to render them.
            options.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(
                Google.Rpc.BadRequest.Descriptor, Google.Rpc.ErrorInfo.Descriptor, Google.Rpc.RetryInfo.Descriptor));
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddGrpcSwagger();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Mvc.ApiExplorer.IApiDescriptionProvider, ResourcePathsProvider>();
        builder.Services.AddSwaggerGen(c =>
        {
            c.SwaggerDoc("v1", new Microsoft.OpenApi.Models.OpenApiInfo { Title = title, Version = "v1" });
            c.OperationFilter<ResourcePathsOperationFilter>();
            // Nested proto types share short names (Lab.Types.Kind, Post.Types.Kind): name schemas in full.
            c.CustomSchemaIds(type => type.IsGenericType || type.FullName is null
                ? type.Name
                : type.FullName.Replace("+Types+", ".", StringComparison.Ordinal).Replace('+', '.'));
        });
        return builder;
    }

    /// <summary>
    /// The services ship no appsettings.json, so without this every request was logged at Information
    /// (hosting, routing, gRPC, every Npgsql command: several console lines per call), which cost more CPU than the call
    /// itself (bench/RESULTS.md). These defaults sit below every other source: appsettings, the
    /// environment (<c>Logging__LogLevel__...</c>) and the command line still override them.
    /// <paramref name="quieter"/> adds categories of the process's own libraries (the identity service's EF Core).
    /// </summary>
    public static void AddDefaultLogLevels(IConfigurationBuilder configuration, params string[] quieter)
    {
        var levels = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Grpc"] = "Warning",
            ["Logging:LogLevel:Npgsql"] = "Warning", // Npgsql logs every command at Information
        };
        foreach (var category in quieter)
        {
            levels[$"Logging:LogLevel:{category}"] = "Warning";
        }
        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = levels });
    }

    /// <summary>Maps the service, its health (HTTP and gRPC), reflection and the OpenAPI document at /openapi/v1.json.</summary>
    public static WebApplication MapCollaborationService<TService>(this WebApplication app) where TService : class
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.MapGrpcService<TService>().RequireAuthorization();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
        return app;
    }
}
