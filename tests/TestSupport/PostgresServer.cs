using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Collaboration.TestSupport;

/// <summary>
/// A throwaway PostgreSQL server from the local binaries (initdb + postgres) in a temp folder on a
/// free port. As root it runs as the <c>postgres</c> user, since PostgreSQL refuses to run as root.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Process _process;

    public int Port { get; }
    public string ServerConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Password=postgres;Max Auto Prepare=32;Timeout=5";

    private PostgresServer(string directory, Process process, int port)
    {
        _directory = directory;
        _process = process;
        Port = port;
    }

    public string ConnectionString(string database) => $"{ServerConnectionString};Database={database}";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries();
        var directory = Path.Combine(Path.GetTempPath(), "collab-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var data = Path.Combine(directory, "data");
        Directory.CreateDirectory(directory);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", $"postgres:postgres {directory}", asRoot: false);
        }
        var passwordFile = Path.Combine(directory, "pw");
        await File.WriteAllTextAsync(passwordFile, "postgres");
        if (asRoot)
        {
            Run("chown", $"postgres:postgres {passwordFile}", asRoot: false);
        }
        Run(Path.Combine(bin, "initdb"), $"-D {data} -U postgres --pwfile={passwordFile} --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8", asRoot);

        // A free port can be taken by a parallel test run before PostgreSQL binds it: then it exits, and we choose again.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var start = Command(Path.Combine(bin, "postgres"),
                $"-D {data} -p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                asRoot);
            start.RedirectStandardError = true;
            start.RedirectStandardOutput = true;
            var process = Process.Start(start)!;
            var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();

            var server = new PostgresServer(directory, process, port);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
                    await connection.OpenAsync();
                    return server;
                }
                catch (Exception) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    await Task.Delay(200);
                }
                catch (Exception) when (process.HasExited && attempt < 5)
                {
                    break;
                }
                catch (Exception ex)
                {
                    throw new InvalidOperationException($"PostgreSQL did not start on port {port}: {string.Join(Environment.NewLine, log)}", ex);
                }
            }
            process.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (!_process.HasExited)
        {
            // SIGINT is PostgreSQL's "fast shutdown".
            Run("kill", $"-INT {_process.Id}", asRoot: false);
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        await Task.CompletedTask;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindBinaries()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
                : []);
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "postgres")))
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, postgres) were not found on PATH or under /usr/lib/postgresql: install them (apt-get install postgresql).");
    }

    private static ProcessStartInfo Command(string file, string arguments, bool asRoot) => asRoot
        ? new ProcessStartInfo("setpriv", $"--reuid=postgres --regid=postgres --init-groups {file} {arguments}") { UseShellExecute = false }
        : new ProcessStartInfo(file, arguments) { UseShellExecute = false };

    private static void Run(string file, string arguments, bool asRoot)
    {
        var info = Command(file, arguments, asRoot);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {error.Result}");
        }
    }
}
