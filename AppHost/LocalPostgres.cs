using System.Globalization;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Collaboration.AppHost;

/// <summary>PostgreSQL run from the local server binaries, its cluster kept in <c>&lt;data&gt;/postgres</c>.</summary>
[UnsupportedOSPlatform("windows")]
public static class LocalPostgres
{
    private const string HealthCheckName = "postgres-select-1";
    private const string Superuser = "postgres";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;

    public static PostgresServer AddLocalPostgres(this IDistributedApplicationBuilder builder, PostgresBinaries binaries,
        string dataDirectory)
    {
        var clusterDirectory = Path.Combine(dataDirectory, "postgres");
        var password = EnsureCluster(binaries, dataDirectory, clusterDirectory);
        // Chosen here, not by DCP: a proxied endpoint accepts TCP with nothing behind it, and the
        // connection string must name the port PostgreSQL really listens on.
        var port = Executables.FreeLoopbackPort();

        var (command, arguments) = binaries.Launch(binaries.Postgres);
        arguments.AddRange([
            "-D", clusterDirectory,
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", $"unix_socket_directories={clusterDirectory}",
            "-c", "max_connections=200",
        ]);
        var server = builder.AddExecutable(ResourceNames.Postgres, command, dataDirectory, [.. arguments])
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck(HealthCheckName);

        var probe = $"Host=127.0.0.1;Port={port};Username={Superuser};Password={password};Database=postgres;"
            + "Pooling=false;Timeout=3;Command Timeout=3";
        builder.Services.AddHealthChecks().AddAsyncCheck(HealthCheckName, cancellation => SelectOneAsync(probe, cancellation));
        builder.Services.AddHostedService(services =>
            new PostgresFastShutdown(clusterDirectory, services.GetRequiredService<IHostApplicationLifetime>()));

        var passwordParameter = builder.AddParameter(ResourceNames.PostgresPassword, password, secret: true);
        var endpoint = server.GetEndpoint("tcp");
        return new PostgresServer(
            ReferenceExpression.Create(
                $"Host=127.0.0.1;Port={endpoint.Property(EndpointProperty.Port)};Username={Superuser};Password={passwordParameter};Max Auto Prepare=32"),
            server);
    }

    /// <summary>Runs initdb on first start; returns the superuser password kept in <c>&lt;data&gt;/postgres.password</c>.</summary>
    private static string EnsureCluster(PostgresBinaries binaries, string dataDirectory, string clusterDirectory)
    {
        var passwordFile = Path.Combine(dataDirectory, "postgres.password");
        if (File.Exists(Path.Combine(clusterDirectory, "PG_VERSION")))
        {
            return File.Exists(passwordFile)
                ? File.ReadAllText(passwordFile).Trim()
                : throw new InvalidOperationException(
                    $"{clusterDirectory} exists but {passwordFile} is missing; delete {clusterDirectory} to start with a new cluster.");
        }

        Directory.CreateDirectory(dataDirectory);
        if (binaries.RunsAsOtherUser)
        {
            // The postgres user must be able to reach its cluster directory.
            File.SetUnixFileMode(dataDirectory, File.GetUnixFileMode(dataDirectory)
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        if (Directory.Exists(clusterDirectory))
        {
            Directory.Delete(clusterDirectory, recursive: true); // a half-made cluster from an interrupted initdb
        }
        Directory.CreateDirectory(clusterDirectory, OwnerOnlyDirectory);

        var password = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32);
        var initPasswordFile = Path.Combine(dataDirectory, "initdb.pwfile");
        WritePrivate(initPasswordFile, password);
        try
        {
            if (binaries.RunsAsOtherUser)
            {
                var owner = $"{PostgresBinaries.OsUser}:{PostgresBinaries.OsUser}";
                Executables.Run("chown", ["-R", owner, clusterDirectory, initPasswordFile], dataDirectory, TimeSpan.FromSeconds(30));
            }
            var (command, arguments) = binaries.Launch(binaries.InitDb);
            arguments.AddRange([
                "-D", clusterDirectory,
                "-U", Superuser,
                "--pwfile=" + initPasswordFile,
                "--auth-host=scram-sha-256",
                "--auth-local=peer",
                "--encoding=UTF8",
                "--no-locale",
            ]);
            Executables.Run(command, arguments, dataDirectory, TimeSpan.FromMinutes(2));
        }
        finally
        {
            File.Delete(initPasswordFile);
        }
        WritePrivate(passwordFile, password);
        return password;
    }

    private static void WritePrivate(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }
        using var writer = new StreamWriter(path, options);
        writer.Write(content);
    }

    private static async Task<HealthCheckResult> SelectOneAsync(string connectionString, CancellationToken cancellation)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellation);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellation);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}

/// <summary>
/// Stops PostgreSQL with a fast shutdown (SIGINT) as soon as the AppHost starts stopping. DCP sends
/// SIGTERM, a "smart" shutdown that waits for every client to disconnect; the services' pooled
/// connections outlast DCP's grace period, PostgreSQL is killed and the next start needs crash recovery.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class PostgresFastShutdown(string clusterDirectory, IHostApplicationLifetime lifetime) : IHostedLifecycleService
{
    // Registered before any hosted service starts: the orchestrator's start lasts until every
    // resource has been created, and a stop may come before that.
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(Stop);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Stop()
    {
        try
        {
            using var postmaster = FindPostmaster();
            if (postmaster is null)
            {
                return;
            }
            Executables.Run("kill", ["-INT", postmaster.Id.ToString(CultureInfo.InvariantCulture)], clusterDirectory,
                TimeSpan.FromSeconds(5));
            postmaster.WaitForExit(TimeSpan.FromSeconds(15));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException
                                   or System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine($"Could not stop PostgreSQL in {clusterDirectory} cleanly: {e.Message}");
        }
    }

    /// <summary>The running postmaster of this cluster, checked so a stale pid file never signals another process.</summary>
    private System.Diagnostics.Process? FindPostmaster()
    {
        var pidFile = Path.Combine(clusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)
            || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }
        var cmdline = $"/proc/{pid}/cmdline";
        if (File.Exists(cmdline) && !File.ReadAllText(cmdline).Contains(clusterDirectory, StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            var process = System.Diagnostics.Process.GetProcessById(pid);
            if (process.ProcessName == "postgres")
            {
                return process;
            }
            process.Dispose();
            return null;
        }
        catch (ArgumentException)
        {
            return null; // not running
        }
    }
}
