using System.Security.Cryptography;

namespace Collaboration.AppHost;

/// <summary>
/// Secrets the AppHost generates once and keeps in the data directory (never in the repository), so
/// what they sign, hash or unlock stays valid across restarts: the learner identity key, the identity
/// service's client secrets and the demo passwords. A configuration key overrides each.
/// </summary>
public static class PersistedSecrets
{
    /// <summary>
    /// A random 32-byte value kept in <c>&lt;data&gt;/&lt;name&gt;</c> (base64, or base64url when
    /// <paramref name="urlSafe"/>: no <c>+ / =</c>, so it can be typed into a form or a curl line as it is);
    /// <paramref name="configurationKey"/> in the AppHost's configuration overrides it.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddPersistedSecret(this IDistributedApplicationBuilder builder, string name,
        string configurationKey, string dataDirectory, bool urlSafe = false)
    {
        var key = builder.Configuration[configurationKey] is { Length: > 0 } configured
            ? configured
            : LoadOrCreate(Path.Combine(dataDirectory, name), urlSafe);
        return builder.AddParameter(name, key, secret: true);
    }

    private static string LoadOrCreate(string path, bool urlSafe)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = RandomNumberGenerator.GetBytes(32);
        var key = urlSafe
            ? Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
            : Convert.ToBase64String(bytes);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var writer = new StreamWriter(path, options);
            writer.Write(key);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllText(path).Trim(); // another AppHost on the same data directory won the race
        }
    }
}
