using Collaboration.Identity.Accounts;
using Collaboration.Identity.Data;
using Collaboration.Identity.Endpoints;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Collaboration.Identity;

public static class Extensions
{
    /// <summary>
    /// The token issuer: OpenIddict on PostgreSQL (client credentials, authorization code with PKCE,
    /// refresh tokens, revocation, sign-out, discovery and JWKS), RSA keys kept between restarts, 5-minute
    /// access tokens carrying sub, org, org_kind and role, a sign-in page and the management API.
    /// </summary>
    public static IHostApplicationBuilder AddIdentityServices(this IHostApplicationBuilder builder)
    {
        // EF Core logs every SQL command at Information and OpenIddict every request's handlers: several lines per
        // token request, costing more than the request (issue 18). Warnings and errors still show.
        Collaboration.Shared.Hosting.ServiceHosting.AddDefaultLogLevels(builder.Configuration, "Microsoft.EntityFrameworkCore", "OpenIddict");
        builder.AddServiceDefaults();
        var section = builder.Configuration.GetSection(IdentityServiceOptions.Section);
        builder.Services.Configure<IdentityServiceOptions>(section);
        var settings = section.Get<IdentityServiceOptions>() ?? new IdentityServiceOptions();
        var connectionString = builder.Configuration.GetConnectionString(IdentityDatabaseInitializer.ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{IdentityDatabaseInitializer.ConnectionName} is not configured.");

        builder.Services.AddDbContext<IdentityDb>(options =>
        {
            options.UseNpgsql(connectionString);
            options.UseOpenIddict();
        });
        builder.Services.AddSingleton<IdentityDatabaseState>();
        builder.Services.AddHostedService<IdentityDatabaseInitializer>();
        builder.Services.AddHealthChecks().AddCheck<IdentityDatabaseState>("identity-database");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        builder.Services.AddScoped<PasswordSignIn>();

        var signingKey = KeyFiles.Load(settings.SigningKeyPem, settings.KeyDirectory, "signing-key.pem");
        var encryptionKey = KeyFiles.Load(settings.EncryptionKeyPem, settings.KeyDirectory, "encryption-key.pem");

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityDb>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetEndSessionEndpointUris("connect/endsession")
                    .SetJsonWebKeySetEndpointUris(".well-known/jwks");
                server.AllowClientCredentialsFlow()
                    .AllowAuthorizationCodeFlow()
                    .RequireProofKeyForCodeExchange()
                    .AllowRefreshTokenFlow();
                server.RegisterScopes(Scopes.OpenId, Scopes.OfflineAccess);
                server.SetAccessTokenLifetime(TimeSpan.FromMinutes(settings.AccessTokenMinutes))
                    .SetRefreshTokenLifetime(TimeSpan.FromDays(settings.RefreshTokenDays))
                    .SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(2));
                if (!string.IsNullOrEmpty(settings.Issuer))
                {
                    server.SetIssuer(new Uri(settings.Issuer, UriKind.Absolute));
                }
                server.AddSigningKey(signingKey).AddEncryptionKey(encryptionKey);
                // Services validate plain signed JWTs through the JWKS; they hold no decryption key.
                server.DisableAccessTokenEncryption();
                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
                if (settings.AllowHttp)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.AddAudiences(settings.Audience);
                validation.UseAspNetCore();
            });

        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
            })
            .AddCookie(ConnectEndpoints.SignInScheme, cookie =>
            {
                cookie.LoginPath = ConnectEndpoints.SignInPath;
                cookie.Cookie.Name = "collaboration.signin";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = settings.AllowHttp ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                cookie.ExpireTimeSpan = TimeSpan.FromMinutes(30);
                cookie.SlidingExpiration = false;
            });
        builder.Services.AddAuthorization();
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.SecurePolicy = settings.AllowHttp ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        });
        return builder;
    }

    public static WebApplication MapIdentityEndpoints(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.MapConnectEndpoints();
        app.MapManagementEndpoints();
        return app;
    }
}
