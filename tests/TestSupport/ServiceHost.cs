using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collaboration.TestSupport;

/// <summary>
/// One replica of a service, started in-process on real Kestrel ports (h2c gRPC and HTTP/1 for
/// health and JSON), configured the way the AppHost configures it.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    public int GrpcPort { get; }
    public int HttpPort { get; }
    public IServiceProvider Services => _app.Services;
    public HttpClient Http { get; }

    private ServiceHost(WebApplication app, int grpcPort, int httpPort)
    {
        _app = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}", new GrpcChannelOptions { MaxReceiveMessageSize = 16 * 1024 * 1024 });
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
    }

    /// <param name="configure">The service's own registration, e.g. <c>b => b.AddAllianceServices()</c>.</param>
    /// <param name="map">The service's mapping, e.g. <c>a => a.MapCollaborationService&lt;AlliancesGrpcService&gt;()</c>.</param>
    public static async Task<ServiceHost> StartAsync(Action<WebApplicationBuilder> configure, Action<WebApplication> map,
        IDictionary<string, string?> settings, ILoggerProvider? logs = null)
    {
        // A free port can be taken by a parallel test run between choosing it and binding it: choose again.
        for (var attempt = 1; ; attempt++)
        {
            var grpcPort = PostgresServer.FreePort();
            var httpPort = PostgresServer.FreePort();
            var app = Build(configure, map, settings, logs, grpcPort, httpPort);
            try
            {
                await app.StartAsync();
            }
            catch (IOException ex) when (attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                await app.DisposeAsync();
                continue;
            }
            var host = new ServiceHost(app, grpcPort, httpPort);
            await host.WaitHealthyAsync();
            return host;
        }
    }

    private static WebApplication Build(Action<WebApplicationBuilder> configure, Action<WebApplication> map,
        IDictionary<string, string?> settings, ILoggerProvider? logs, int grpcPort, int httpPort)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Kestrel:Endpoints:grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:http:Protocols"] = "Http1",
            ["Auth:SigningKey"] = Tokens.Options.SigningKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Collaboration"] = "Information",
        });
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        configure(builder);
        var app = builder.Build();
        map(app);
        return app;
    }

    /// <summary>Waits until /health is green, i.e. the migrations ran.</summary>
    private async Task WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var response = await Http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                var state = _app.Services.GetService(typeof(Collaboration.Shared.Data.MigrationState)) as Collaboration.Shared.Data.MigrationState;
                throw new TimeoutException($"The service did not become healthy within 60 s: {state?.Status}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A client for the service that sends this bearer token (none when null).</summary>
    public T Client<T>(string? token) where T : ClientBase<T>
    {
        var invoker = _channel.CreateCallInvoker().Intercept(new DeadlineInterceptor());
        if (token is not null)
        {
            invoker = invoker.Intercept(metadata => { metadata.Add("authorization", $"Bearer {token}"); return metadata; });
        }
        return (T)Activator.CreateInstance(typeof(T), invoker)!;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _channel.Dispose();
        Http.Dispose();
    }
}

/// <summary>Every test call gets a deadline, as every client of the platform should.</summary>
internal sealed class DeadlineInterceptor : Interceptor
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static ClientInterceptorContext<TRequest, TResponse> WithDeadline<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class where TResponse : class =>
        context.Options.Deadline is null
            ? new(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow + Deadline))
            : context;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, WithDeadline(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context,
        AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) => continuation(WithDeadline(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) => continuation(request, WithDeadline(context));
}
