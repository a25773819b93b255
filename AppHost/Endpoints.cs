using Microsoft.Extensions.Configuration;

namespace Collaboration.AppHost;

public static class Endpoints
{
    /// <summary>
    /// Adds a .NET project whose endpoints come only from this AppHost: its launch profile and
    /// appsettings Kestrel endpoints are ignored, and it runs in the AppHost's environment.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddCollaborationProject<TProject>(this IDistributedApplicationBuilder builder,
        string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name, static options =>
            {
                options.ExcludeLaunchProfile = true;
                options.ExcludeKestrelEndpoints = true;
            })
            .WithEnvironment("DOTNET_ENVIRONMENT", builder.Environment.EnvironmentName);

    /// <summary>
    /// Two Kestrel endpoints: <c>grpc</c> (HTTP/2 only: gRPC over cleartext needs prior-knowledge h2c)
    /// and <c>http</c> (HTTP/1.1: health checks, JSON transcoding, OpenAPI). An HTTP/2-only endpoint
    /// cannot answer Aspire's HTTP health check, and Http1AndHttp2 on cleartext refuses h2c.
    /// Unproxied, so callers reach Kestrel directly; a null port lets Aspire choose one.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGrpcAndHttpEndpoints(this IResourceBuilder<ProjectResource> project,
        int? grpcPort = null, int? httpPort = null)
    {
        project.WithHttpEndpoint(port: grpcPort, name: EndpointNames.Grpc, isProxied: false)
            .WithHttpEndpoint(port: httpPort, name: EndpointNames.Http, isProxied: false)
            .WithEndpointsInEnvironment(static _ => false); // Kestrel takes them from the variables below, not ASPNETCORE_URLS
        return project
            .WithKestrelEndpoint(EndpointNames.Grpc, "Http2")
            .WithKestrelEndpoint(EndpointNames.Http, "Http1");
    }

    /// <summary>A fixed port from configuration (<c>0</c> lets Aspire choose one).</summary>
    public static int? Port(this IConfiguration configuration, string key, int defaultPort) =>
        configuration.GetValue(key, defaultPort) is var port and > 0 ? port : null;

    private static IResourceBuilder<ProjectResource> WithKestrelEndpoint(this IResourceBuilder<ProjectResource> project,
        string name, string protocols)
    {
        var endpoint = project.GetEndpoint(name);
        return project
            .WithEnvironment($"Kestrel__Endpoints__{name}__Url",
                ReferenceExpression.Create($"http://localhost:{endpoint.Property(EndpointProperty.TargetPort)}"))
            .WithEnvironment($"Kestrel__Endpoints__{name}__Protocols", protocols);
    }

    /// <summary>References every service (service discovery) and waits until each is healthy.</summary>
    public static IResourceBuilder<T> WithReferencesTo<T>(this IResourceBuilder<T> resource, IEnumerable<IResourceBuilder<ProjectResource>> services)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        foreach (var service in services)
        {
            resource.WithReference(service).WaitFor(service);
        }
        return resource;
    }

    /// <summary>Waits until every one of <paramref name="services"/> is healthy.</summary>
    public static IResourceBuilder<T> WaitForAll<T>(this IResourceBuilder<T> resource, IEnumerable<IResourceBuilder<ProjectResource>> services)
        where T : IResourceWithWaitSupport
    {
        foreach (var service in services)
        {
            resource.WaitFor(service);
        }
        return resource;
    }
}
