using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Collaboration.TestSupport;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

[assembly: AssemblyFixture(typeof(Collaboration.EndToEnd.Tests.PlatformFixture))]

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// The whole platform as the README's first command starts it (local PostgreSQL, embedded cache,
/// services, gateway, seeds), in its own data folder and on its own gateway ports.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "collab-e2e-" + Guid.NewGuid().ToString("N")[..12]);
    private DistributedApplication? _app;
    private GrpcChannel? _channel;

    public Uri GatewayGrpc { get; private set; } = null!;
    public HttpClient GatewayHttp { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            $"--DataDirectory={_dataDirectory}",
            $"--Auth:SigningKey={Tokens.Options.SigningKey}",
            $"--Gateway:GrpcPort={PostgresServer.FreePort()}",
            $"--Gateway:HttpPort={PostgresServer.FreePort()}",
        ], timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);

        await _app.ResourceNotifications.WaitForResourceHealthyAsync("gateway", timeout.Token);
        await _app.ResourceNotifications.WaitForResourceAsync("seeds", KnownResourceStates.Finished, timeout.Token);

        GatewayGrpc = _app.GetEndpoint("gateway", "grpc");
        GatewayHttp = new HttpClient { BaseAddress = _app.GetEndpoint("gateway", "http") };
        _channel = GrpcChannel.ForAddress(GatewayGrpc);
    }

    public T Client<T>(string? token) where T : ClientBase<T>
    {
        var invoker = _channel!.CreateCallInvoker();
        if (token is not null)
        {
            invoker = invoker.Intercept(metadata => { metadata.Add("authorization", $"Bearer {token}"); return metadata; });
        }
        return (T)Activator.CreateInstance(typeof(T), invoker)!;
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        GatewayHttp?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
