using Garnet;

namespace Collaboration.TestSupport;

/// <summary>A real Redis-protocol server (embedded Garnet) on a free loopback port; can be stopped and started again.</summary>
public sealed class CacheServer : IDisposable
{
    private GarnetServer? _server;

    public int Port { get; private set; } = PostgresServer.FreePort();

    public string ConnectionString => $"127.0.0.1:{Port}";

    public CacheServer()
    {
        // A free port can be taken by a parallel test run before Garnet binds it: choose again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Start();
                return;
            }
            catch (Exception ex) when (attempt < 5 && (ex is System.Net.Sockets.SocketException or IOException
                                       || ex.InnerException is System.Net.Sockets.SocketException))
            {
                Stop();
                Port = PostgresServer.FreePort();
            }
        }
    }

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
