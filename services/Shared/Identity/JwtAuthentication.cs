using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Collaboration.Shared.Identity;

/// <summary>
/// Bearer-token settings shared by the gateway and every service. With <c>Auth:Authority</c> set,
/// tokens come from the identity service and are checked against its discovery document and JWKS
/// (asymmetric keys only). Without it, the development signing key (HS256) the AppHost generates
/// and hands over as <c>Auth__SigningKey</c> is used.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const string DevelopmentIssuer = "collaboration-dev";
    public string Issuer { get; set; } = DevelopmentIssuer;
    public string Audience { get; set; } = "collaboration";
    /// <summary>Base64 of at least 32 random bytes.</summary>
    public string SigningKey { get; set; } = "";
    /// <summary>The identity service's base URL (its discovery document and JWKS, and the grant check).</summary>
    public string Authority { get; set; } = "";
    /// <summary>Refuse to fetch the discovery document over plain HTTP (turn off in development only).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);

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
        var section = builder.Configuration.GetSection(AuthOptions.Section);
        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        builder.AddIdentityServiceClients(options);
        if (options.UsesAuthority)
        {
            builder.AddAuthorityAuthentication(options, explicitIssuer: section[nameof(AuthOptions.Issuer)]);
            return builder;
        }
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            throw new InvalidOperationException("Auth:SigningKey is not configured; the AppHost provides it (Auth__SigningKey).");
        }
        var key = options.Key();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(new ValidatedTokenCache());
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

    /// <summary>
    /// Tokens from the identity service: keys from its JWKS (found through its discovery document and
    /// refreshed when an unknown key id appears), issuer from the discovery document unless
    /// <c>Auth:Issuer</c> names one, audience <c>Auth:Audience</c>, asymmetric algorithms only.
    /// </summary>
    private static void AddAuthorityAuthentication(this IHostApplicationBuilder builder, AuthOptions options, string? explicitIssuer)
    {
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.Authority = options.Authority;
                jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
                jwt.MapInboundClaims = false;
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(new ValidatedTokenCache());
                jwt.RefreshOnIssuerKeyNotFound = true;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidateIssuer = true,
                    ValidIssuer = string.IsNullOrEmpty(explicitIssuer) ? null : explicitIssuer,
                    ValidAudience = options.Audience,
                    ValidAlgorithms =
                    [
                        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384,
                    ],
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                    ClockSkew = TimeSpan.FromSeconds(30),
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                };
            });
        builder.Services.AddAuthorization();
    }

    /// <summary>What services ask the identity service, over one HTTP client: partner grants and the organisation directory.</summary>
    private static void AddIdentityServiceClients(this IHostApplicationBuilder builder, AuthOptions options)
    {
        var http = builder.Services.AddHttpClient(GrantChecker.HttpClientName);
        if (options.UsesAuthority)
        {
            var authority = options.Authority.EndsWith('/') ? options.Authority : options.Authority + "/";
            http.ConfigureHttpClient(client => client.BaseAddress = new Uri(authority, UriKind.Absolute));
        }
        builder.Services.AddSingleton(sp => new GrantChecker(sp.GetRequiredService<System.Net.Http.IHttpClientFactory>(), options));
        var directory = new OrganizationDirectoryOptions();
        builder.Configuration.GetSection(OrganizationDirectoryOptions.Section).Bind(directory);
        if (string.IsNullOrWhiteSpace(directory.Url))
        {
            directory.Url = options.Authority;
        }
        var directoryHttp = builder.Services.AddHttpClient(OrganizationDirectory.HttpClientName);
        if (!string.IsNullOrWhiteSpace(directory.Url))
        {
            var url = directory.Url.EndsWith('/') ? directory.Url : directory.Url + "/";
            directoryHttp.ConfigureHttpClient(client => client.BaseAddress = new Uri(url, UriKind.Absolute));
        }
        builder.Services.AddSingleton(sp => new OrganizationDirectory(sp.GetRequiredService<System.Net.Http.IHttpClientFactory>(), directory));
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
