using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Collaboration.AppHost;

/// <summary>
/// The local PostgreSQL server binaries, and how to run them: PostgreSQL refuses to run as root,
/// so a root AppHost runs them as the <c>postgres</c> user through <c>setpriv</c>.
/// </summary>
public sealed record PostgresBinaries(string Postgres, string InitDb, string? Setpriv)
{
    public const string OsUser = "postgres";
    /// <summary>Optional: the directory holding <c>postgres</c> and <c>initdb</c>.</summary>
    public const string BinDirectoryKey = "Postgres:BinDirectory";
    private const string DebianRoot = "/usr/lib/postgresql";

    public bool RunsAsOtherUser => Setpriv is not null;

    public static bool TryFind(IConfiguration configuration, [NotNullWhen(true)] out PostgresBinaries? binaries,
        [NotNullWhen(false)] out string? missing)
    {
        binaries = null;
        if (OperatingSystem.IsWindows())
        {
            missing = "local PostgreSQL executables are supported on Linux and macOS only";
            return false;
        }
        var directory = FindDirectory(configuration[BinDirectoryKey]);
        if (directory is null)
        {
            missing = "no PostgreSQL server binaries (postgres, initdb) on PATH or under /usr/lib/postgresql/*/bin";
            return false;
        }
        string? setpriv = null;
        if (Environment.IsPrivilegedProcess)
        {
            setpriv = Executables.FindOnPath("setpriv");
            if (setpriv is null)
            {
                missing = "running as root, PostgreSQL must run as user 'postgres', but setpriv (util-linux) is not on PATH";
                return false;
            }
            if (!OsUserExists(OsUser))
            {
                missing = "running as root, PostgreSQL must run as user 'postgres', which does not exist (useradd --system postgres)";
                return false;
            }
        }
        binaries = new(Path.Combine(directory, "postgres"), Path.Combine(directory, "initdb"), setpriv);
        missing = null;
        return true;
    }

    /// <summary>The command and leading arguments that run <paramref name="executable"/> as the right user.</summary>
    public (string Command, List<string> Arguments) Launch(string executable) => Setpriv is null
        ? (executable, [])
        : (Setpriv, ["--reuid=" + OsUser, "--regid=" + OsUser, "--init-groups", executable]);

    private static string? FindDirectory(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return HasServerBinaries(configured) ? configured : null;
        }
        if (Executables.FindOnPath("postgres") is { } onPath)
        {
            // /usr/local/bin/postgres is often a link into /usr/lib/postgresql/<major>/bin, where initdb lives too.
            var target = File.ResolveLinkTarget(onPath, returnFinalTarget: true)?.FullName ?? onPath;
            foreach (var candidate in (string[])[Path.GetDirectoryName(target)!, Path.GetDirectoryName(onPath)!])
            {
                if (HasServerBinaries(candidate))
                {
                    return candidate;
                }
            }
        }
        if (!Directory.Exists(DebianRoot))
        {
            return null;
        }
        string? newest = null;
        var newestMajor = -1;
        foreach (var versionDirectory in Directory.EnumerateDirectories(DebianRoot))
        {
            var bin = Path.Combine(versionDirectory, "bin");
            if (int.TryParse(Path.GetFileName(versionDirectory), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
                && major > newestMajor && HasServerBinaries(bin))
            {
                (newest, newestMajor) = (bin, major);
            }
        }
        return newest;
    }

    private static bool HasServerBinaries(string directory) =>
        File.Exists(Path.Combine(directory, "postgres")) && File.Exists(Path.Combine(directory, "initdb"));

    private static bool OsUserExists(string user)
    {
        const string passwd = "/etc/passwd";
        if (!File.Exists(passwd))
        {
            return false;
        }
        var prefix = user + ":";
        foreach (var line in File.ReadLines(passwd))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
