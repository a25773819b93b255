using Collaboration.Shared.Identity;
using Microsoft.Extensions.Configuration;

namespace Collaboration.Seeds;

/// <summary>A failure the user can act on: printed as one clear message, no stack trace.</summary>
public sealed class SeedException(string message, int exitCode = SeedException.Failed) : Exception(message)
{
    public const int Failed = 1;
    public const int InvalidData = 2;
    public const int Usage = 64;

    public int ExitCode { get; } = exitCode;
}

public static class DevEnvironment
{
    public const string SolutionFileName = "Collaboration.sln";
    public const string SigningKeyFileName = "dev-signing-key";

    public static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }

    /// <summary>--seed-data, else the repository's seeds/data (edits apply without a rebuild), else the copy beside the binary.</summary>
    public static string SeedDataDirectory(CommandLine options)
    {
        if (options.Get("--seed-data") is { } explicitDirectory)
        {
            return Path.GetFullPath(explicitDirectory);
        }
        var inRepository = FindRepositoryRoot() is { } root ? Path.Combine(root, "seeds", "data") : null;
        return inRepository is not null && Directory.Exists(inRepository)
            ? inRepository
            : Path.Combine(AppContext.BaseDirectory, "data");
    }

    public static IConfiguration Configuration() =>
        new ConfigurationBuilder().AddEnvironmentVariables().Build();

    /// <summary>
    /// Token settings: the <c>Auth</c> section (<c>Auth__SigningKey</c> from the AppHost), else the
    /// development key the AppHost keeps in <c>&lt;repo&gt;/.data/dev-signing-key</c> (or --data-dir).
    /// </summary>
    public static AuthOptions AuthOptions(IConfiguration configuration, CommandLine options)
    {
        var auth = configuration.GetSection(Shared.Identity.AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (string.IsNullOrWhiteSpace(auth.SigningKey))
        {
            var dataDirectory = options.Get("--data-dir")
                ?? (FindRepositoryRoot() is { } root ? Path.Combine(root, ".data") : null);
            var keyFile = dataDirectory is null ? null : Path.Combine(dataDirectory, SigningKeyFileName);
            if (keyFile is null || !File.Exists(keyFile))
            {
                throw new SeedException(
                    $"no signing key: set Auth__SigningKey, or start the AppHost once so that it writes {keyFile ?? $"<repo>/.data/{SigningKeyFileName}"} (or pass --data-dir DIR).");
            }
            auth.SigningKey = File.ReadAllText(keyFile).Trim();
        }
        try
        {
            auth.Key();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new SeedException($"the signing key is unusable: {e.Message} (Auth:SigningKey must be base64 of at least 32 bytes).");
        }
        return auth;
    }
}

public sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLine()
    {
    }

    public static CommandLine Parse(IReadOnlyList<string> args, string[] valueOptions, string[] flagOptions)
    {
        var parsed = new CommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (flagOptions.Contains(arg))
            {
                parsed._flags.Add(arg);
            }
            else if (valueOptions.Contains(arg))
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new SeedException($"{arg} needs a value.", SeedException.Usage);
                }
                parsed._values[arg] = args[++i];
            }
            else
            {
                throw new SeedException($"unknown argument '{arg}'; try --help.", SeedException.Usage);
            }
        }
        return parsed;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public bool Has(string flag) => _flags.Contains(flag);
}
