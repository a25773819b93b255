using System.Security.Cryptography;
using Collaboration.Shared.Identity;

namespace Collaboration.TestSupport;

/// <summary>A signing key per test run and tokens for the callers tests need.</summary>
public static class Tokens
{
    public static AuthOptions Options { get; } = new() { SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };

    public static string For(string organization, string kind, string role = "owner", string? subject = null) =>
        JwtAuthentication.MintToken(Options, subject ?? $"{role}@{organization}", organization, kind, role, TimeSpan.FromHours(1));

    public static string Admin(string subject = "admin@city") =>
        JwtAuthentication.MintToken(Options, subject, null, null, "admin", TimeSpan.FromHours(1));
}
