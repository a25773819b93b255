using Garnet;

namespace Collaboration.TestSupport;

/// <summary>A real Redis-protocol server (embedded Garnet) on a free loopback port; can be stopped and started again.</summary>
public sealed class CacheServer : IDisposable
{
    private GarnetServer? _server;

    public int Port { get; } = PostgresServer.FreePort();

    public string ConnectionString => $"127.0.0.1:{Port}";

    public CacheServer() => Start();

    public void Start()
    {
        _server = new GarnetServer(["--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--index", "1m", "--memory", "64m"]);
        _server.Start();
    }

    public void Stop()
    {
        _server?.Dispose();
        _server = null;
    }

    public void Dispose() => Stop();
}
