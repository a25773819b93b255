using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Collaboration.Shared.Identity;

/// <summary>
/// Bearer-token settings shared by the gateway and every service. Until a real issuer exists the
/// AppHost generates a development signing key (HS256) and hands it over as <c>Auth__SigningKey</c>.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public string Issuer { get; set; } = "collaboration-dev";
    public string Audience { get; set; } = "collaboration";
    /// <summary>Base64 of at least 32 random bytes.</summary>
    public string SigningKey { get; set; } = "";

    public SymmetricSecurityKey Key()
    {
        var bytes = Convert.FromBase64String(SigningKey);
        if (bytes.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be base64 of at least 32 bytes.");
        }
        return new SymmetricSecurityKey(bytes);
    }
}

public static class JwtAuthentication
{
    /// <summary>Validates bearer tokens (issuer, audience, lifetime, signature) and keeps the raw claim names.</summary>
    public static IHostApplicationBuilder AddCollaborationAuthentication(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            throw new InvalidOperationException("Auth:SigningKey is not configured; the AppHost provides it (Auth__SigningKey).");
        }
        var key = options.Key();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = options.Issuer,
                    ValidAudience = options.Audience,
                    IssuerSigningKey = key,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                    ClockSkew = TimeSpan.FromSeconds(30),
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                };
            });
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>Mints a development token. Used by the token command, the seeds loader and tests.</summary>
    public static string MintToken(AuthOptions options, string subject, string? organization, string? organizationKind,
        string role, TimeSpan lifetime, DateTime? notBefore = null)
    {
        var claims = new List<Claim> { new("sub", subject), new("role", role) };
        if (!string.IsNullOrEmpty(organization))
        {
            claims.Add(new Claim("org", organization));
        }
        if (!string.IsNullOrEmpty(organizationKind))
        {
            claims.Add(new Claim("org_kind", organizationKind));
        }
        var start = notBefore ?? DateTime.UtcNow;
        var handler = new JwtSecurityTokenHandler { MapInboundClaims = false };
        var token = handler.CreateJwtSecurityToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = start,
            IssuedAt = start,
            Expires = start + lifetime,
            SigningCredentials = new SigningCredentials(options.Key(), SecurityAlgorithms.HmacSha256),
        });
        return handler.WriteToken(token);
    }
}
