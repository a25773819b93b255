using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Collaboration.Identity.Accounts;

/// <summary>
/// The RSA keys that sign and encrypt tokens: from a configured PEM, else a PEM file in the key
/// directory, created once, so the JWKS (and issued refresh tokens) survive restarts.
/// </summary>
public static class KeyFiles
{
    public static RsaSecurityKey Load(string? pem, string? directory, string fileName)
    {
        var rsa = RSA.Create();
        if (!string.IsNullOrWhiteSpace(pem))
        {
            rsa.ImportFromPem(pem);
            return WithKeyId(rsa);
        }
        directory ??= Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "collaboration-identity");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
        {
            using var fresh = RSA.Create(2048);
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllText(temp, fresh.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another replica wrote it first: use theirs.
                File.Delete(temp);
            }
        }
        rsa.ImportFromPem(File.ReadAllText(path));
        return WithKeyId(rsa);
    }

    private static RsaSecurityKey WithKeyId(RSA rsa)
    {
        var modulus = rsa.ExportParameters(false).Modulus!;
        return new RsaSecurityKey(rsa) { KeyId = Base64UrlEncoder.Encode(SHA256.HashData(modulus)[..16]) };
    }
}
