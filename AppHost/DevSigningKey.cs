using System.Security.Cryptography;

namespace Collaboration.AppHost;

/// <summary>
/// Until a real identity issuer exists, the AppHost owns an HS256 development key and hands it to
/// every service, the gateway and the seeds loader. It is kept in <c>&lt;data&gt;/dev-signing-key</c>
/// so tokens minted for local use survive restarts; <c>Auth:SigningKey</c> in the AppHost's
/// configuration overrides it.
/// </summary>
public static class DevSigningKey
{
    public const string EnvironmentVariable = "Auth__SigningKey";

    public static IResourceBuilder<ParameterResource> AddDevSigningKey(this IDistributedApplicationBuilder builder, string dataDirectory) =>
        builder.AddPersistedSecret(ResourceNames.SigningKey, "Auth:SigningKey", dataDirectory);

    /// <summary>
    /// A random 32-byte key (base64) kept in <c>&lt;data&gt;/&lt;name&gt;</c>, so what it signs or hashes
    /// stays valid across restarts; <paramref name="configurationKey"/> in the AppHost's configuration overrides it.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddPersistedSecret(this IDistributedApplicationBuilder builder, string name,
        string configurationKey, string dataDirectory)
    {
        var key = builder.Configuration[configurationKey] is { Length: > 0 } configured
            ? configured
            : LoadOrCreate(Path.Combine(dataDirectory, name));
        return builder.AddParameter(name, key, secret: true);
    }

    private static string LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
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
