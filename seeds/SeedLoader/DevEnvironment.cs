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
    // The files the AppHost generates in its data directory (AppHost/ResourceNames.cs).
    public const string AdminClientSecretFile = "seeds-client-secret";
    public const string OrganizationClientSecretFile = "identity-org-client-secret";
    public const string AdminPasswordFile = "identity-admin-password";
    public const string DemoPasswordFile = "identity-demo-password";

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
    /// Where the loader's tokens come from (the name is kept for its callers): the identity service at
    /// <c>Identity__Url</c> (default http://localhost:8090) with the client secrets the AppHost hands over
    /// (<c>Seeds__ClientSecret</c>, <c>Seeds__OrgClientSecret</c>) or, run by hand, the ones it generated
    /// into <c>&lt;repo&gt;/.data</c> (or --data-dir). Only an explicit <c>Auth__SigningKey</c> (a
    /// development key, for a platform started without the identity service) makes it mint HS256 tokens.
    /// </summary>
    public static TokenSource AuthOptions(IConfiguration configuration, CommandLine options)
    {
        if (configuration["Auth:SigningKey"] is { Length: > 0 })
        {
            return TokenSource.FromDevKey(DevKey(configuration, options));
        }
        return TokenSource.FromIdentity(IdentityUrl(configuration, options),
            configuration["Seeds:ClientId"] ?? TokenSource.DefaultAdminClientId,
            Secret(configuration, options, "Seeds:ClientSecret", AdminClientSecretFile),
            configuration["Seeds:OrgClientPrefix"] ?? TokenSource.DefaultOrganizationClientPrefix,
            Secret(configuration, options, "Seeds:OrgClientSecret", OrganizationClientSecretFile));
    }

    public static Uri IdentityUrl(IConfiguration configuration, CommandLine options)
    {
        var text = options.Get("--identity") ?? configuration["Identity:Url"] ?? TokenSource.DefaultIdentityUrl;
        return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new SeedException($"the identity service address '{text}' is not an http(s) URL.", SeedException.Usage);
    }

    /// <summary>A secret from configuration, else the file the AppHost generated in the data directory, else null.</summary>
    public static string? Secret(IConfiguration configuration, CommandLine options, string configurationKey, string fileName)
    {
        if (configuration[configurationKey] is { Length: > 0 } configured)
        {
            return configured;
        }
        var file = DataDirectory(options) is { } directory ? Path.Combine(directory, fileName) : null;
        return file is not null && File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }

    public static string? DataDirectory(CommandLine options) =>
        options.Get("--data-dir") ?? (FindRepositoryRoot() is { } root ? Path.Combine(root, ".data") : null);

    /// <summary>The HS256 development key: <c>Auth__SigningKey</c>, else <c>&lt;data&gt;/dev-signing-key</c> (--dev-key only).</summary>
    public static AuthOptions DevKey(IConfiguration configuration, CommandLine options)
    {
        var auth = configuration.GetSection(Shared.Identity.AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        auth.Authority = "";
        if (string.IsNullOrWhiteSpace(auth.SigningKey))
        {
            var keyFile = DataDirectory(options) is { } directory ? Path.Combine(directory, SigningKeyFileName) : null;
            if (keyFile is null || !File.Exists(keyFile))
            {
                throw new SeedException(
                    $"no development signing key: set Auth__SigningKey or write one to {keyFile ?? $"<repo>/.data/{SigningKeyFileName}"}. "
                    + "The platform itself trusts only the identity service's tokens.");
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
