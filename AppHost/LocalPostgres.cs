using System.Globalization;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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
