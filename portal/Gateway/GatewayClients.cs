using Collaboration.Alliances.V1;
using Collaboration.Portal.Auth;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Collaboration.Portal.Gateway;

public static class GatewayClients
{
    /// <summary>
    /// The services' gRPC clients, all through the gateway's gRPC endpoint (<c>Gateway:GrpcUrl</c>), each call carrying
    /// the signed-in person's access token from their session and a deadline.
    /// </summary>
    public static IServiceCollection AddGatewayClients(this IServiceCollection services, IConfiguration configuration)
    {
        var address = new Uri(configuration["Gateway:GrpcUrl"] ?? throw new InvalidOperationException("Gateway:GrpcUrl is not configured."));
        services.AddTransient<DeadlineInterceptor>();
        services.AddGrpcClient<AllianceService.AllianceServiceClient>(o => o.Address = address)
            .AddInterceptor<DeadlineInterceptor>()
            .AddCallCredentials(async (_, metadata, provider) =>
            {
                if (provider.GetRequiredService<IHttpContextAccessor>().HttpContext is { } http
                    && await http.GetTokenAsync("access_token") is { Length: > 0 } token)
                {
                    metadata.Add("Authorization", $"Bearer {token}");
                }
            })
            // The gateway listens on cleartext h2c inside the platform; the token still travels only between the two.
            .ConfigureChannel(o => o.UnsafeUseInsecureChannelCallCredentials = true);
        return services;
    }
}

/// <summary>Every call gets a deadline (never wait forever on a service).</summary>
public sealed class DeadlineInterceptor(IOptions<PortalOptions> options) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (context.Options.Deadline is null)
        {
            context = new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host,
                context.Options.WithDeadline(DateTime.UtcNow + options.Value.CallDeadline));
        }
        return continuation(request, context);
    }
}
