using Collaboration.Shared.Identity;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Grpc.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Collaboration.Gateway;

public static class Extensions
{
    /// <summary>
    /// The gateway: YARP routes generated from <see cref="Backends.All"/> and resolved by service
    /// discovery, bearer tokens validated at the edge (the services validate them again), a
    /// per-caller rate limit, request body limits and gRPC server reflection.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddCollaborationAuthentication();

        var options = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        var limits = builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAwareAuthorizationResultHandler>();
        builder.Services.AddCallerRateLimit(limits);

        // Server reflection for every service the gateway routes, from the contracts it routes by.
        ServiceDescriptor[] services = [.. Backends.All.SelectMany(b => b.GrpcServices)];
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new ReflectionV1ServiceImpl(services));
        builder.Services.AddSingleton(new ReflectionServiceImpl(services));

        var (routes, clusters) = GatewayRoutes.Build(Backends.All, options);
        builder.Services.AddReverseProxy()
            .LoadFromMemory(routes, clusters)
            .AddServiceDiscoveryDestinationResolver();
        return builder;
    }

    /// <summary>
    /// Maps /health and /alive (anonymous), gRPC server reflection (anonymous, rate limited) and the proxy routes
    /// (authenticated, rate limited).
    /// </summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseRateLimiter(); // after authentication, so callers are told apart by their token
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.MapGrpcService<ReflectionV1ServiceImpl>().RequireRateLimiting(CallerRateLimit.Policy);
        app.MapGrpcService<ReflectionServiceImpl>().RequireRateLimiting(CallerRateLimit.Policy);
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(GrpcEdge.TranslateProxyErrorsAsync);
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}
