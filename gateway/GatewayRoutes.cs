using System.Net;
using Collaboration.Shared.Hosting;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Collaboration.Gateway;

/// <summary>Generates the YARP routes and clusters from <see cref="Backends.All"/>.</summary>
public static class GatewayRoutes
{
    private const string Authenticated = "Default";
    private const string Anonymous = "Anonymous";

    // gRPC over cleartext is prior-knowledge HTTP/2: never let the client negotiate down.
    private static readonly ForwarderRequestConfig Grpc = new()
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static readonly ForwarderRequestConfig Http1 = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(
        IReadOnlyList<Backend> backends, GatewayOptions options)
    {
        var routes = new List<RouteConfig>();
        var clusters = new List<ClusterConfig>();
        foreach (var backend in backends)
        {
            var service = backend.Service;
            var grpcCluster = $"{service}-grpc";
            var httpCluster = $"{service}-http";
            clusters.Add(Cluster(grpcCluster, $"http://_grpc.{service}", Grpc));
            clusters.Add(Cluster(httpCluster, $"http://_http.{service}", Http1));

            var anonymous = (backend.AnonymousMethods ?? []).ToHashSet(StringComparer.Ordinal);
            foreach (var grpcService in backend.GrpcServices)
            {
                routes.Add(Route($"{service}-grpc-{grpcService.FullName}", grpcCluster, $"/{grpcService.FullName}/{{method}}",
                    options.MaxRequestBodyBytes));
                foreach (var method in grpcService.Methods)
                {
                    var isAnonymous = anonymous.Contains($"{grpcService.FullName}/{method.Name}");
                    if (isAnonymous)
                    {
                        // A literal path outranks the service's /{method} route.
                        routes.Add(Route($"{service}-grpc-{grpcService.FullName}/{method.Name}", grpcCluster, $"/{grpcService.FullName}/{method.Name}",
                            options.MaxRequestBodyBytes) with { AuthorizationPolicy = Anonymous });
                    }
                    // The contract's own HTTP rules, so that no method (a collection-level custom method such as
                    // POST /v1/labs:projectGrade included) is left out.
                    foreach (var (verb, template) in HttpRuleTemplate.Bindings(method))
                    {
                        var path = template.RouteTemplate;
                        routes.Add(Route($"{service}-json-{verb} {path}", httpCluster, path, options.MaxRequestBodyBytes) with
                        {
                            Match = new RouteMatch { Path = path, Methods = [verb] },
                            AuthorizationPolicy = isAnonymous ? Anonymous : Authenticated,
                        });
                    }
                }
            }
            routes.Add(Route($"{service}-openapi", httpCluster, $"/openapi/{service}.json", options.MaxRequestBodyBytes) with
            {
                AuthorizationPolicy = Anonymous,
                Transforms = [new Dictionary<string, string> { ["PathSet"] = "/openapi/v1.json" }],
            });

            foreach (var path in backend.BulkJsonPaths ?? [])
            {
                routes.Add(Route($"{service}-bulk-json-{path}", httpCluster, path, options.MaxBulkRequestBodyBytes) with { Order = -1 });
            }

            if (backend.BulkMethods is { Count: > 0 } bulkMethods)
            {
                var bulkCluster = $"{service}-grpc-bulk";
                clusters.Add(Cluster(bulkCluster, $"http://_grpc.{service}", Grpc with { ActivityTimeout = options.StreamingActivityTimeout }));
                foreach (var method in bulkMethods)
                {
                    routes.Add(Route($"{service}-bulk-{method}", bulkCluster, "/" + method, options.MaxBulkRequestBodyBytes) with
                    {
                        Order = -1,
                    });
                }
            }
        }
        return (routes, clusters);
    }

    private static RouteConfig Route(string id, string cluster, string path, long maxRequestBodyBytes) => new()
    {
        RouteId = id,
        ClusterId = cluster,
        Match = new RouteMatch { Path = path },
        AuthorizationPolicy = Authenticated,
        RateLimiterPolicy = CallerRateLimit.Policy,
        MaxRequestBodySize = maxRequestBodyBytes,
    };

    // One HTTP/2 connection per backend caps the gateway at the backend's stream limit (Kestrel: 100)
    // and serialises every frame through one connection's write lock: open more when streams run out.
    private static readonly HttpClientConfig Client = new()
    {
        EnableMultipleHttp2Connections = true,
        DangerousAcceptAnyServerCertificate = false,
    };

    private static ClusterConfig Cluster(string id, string address, ForwarderRequestConfig request) => new()
    {
        ClusterId = id,
        HttpRequest = request,
        HttpClient = Client,
        Destinations = new Dictionary<string, DestinationConfig>
        {
            [id] = new DestinationConfig { Address = address },
        },
    };
}
