using System.Globalization;
using System.Security.Claims;
using Collaboration.Portal.Auth;
using Collaboration.Portal.Components;
using Collaboration.Portal.Gateway;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Radzen;

namespace Collaboration.Portal;

public static class Extensions
{
    public const string OrganizationClaim = "org";
    public const string OrganizationKindClaim = "org_kind";
    public const string OrganizationNameClaim = "org_name";
    public const string RoleClaim = "role";
    public static readonly CultureInfo[] Cultures = [new("zh-CN"), new("en")];

    /// <summary>
    /// The portal: Razor components rendered on the server (ordinary forms), OpenID Connect sign-in against the identity
    /// service as a confidential client with the session and its tokens kept on the server, gRPC clients through the
    /// gateway, zh-CN by default with English switchable.
    /// </summary>
    public static IHostApplicationBuilder AddPortalServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        var services = builder.Services;
        services.Configure<PortalOptions>(builder.Configuration.GetSection(PortalOptions.Section));
        var portal = builder.Configuration.GetSection(PortalOptions.Section).Get<PortalOptions>() ?? new PortalOptions();
        var authority = builder.Configuration["Auth:Authority"] ?? throw new InvalidOperationException("Auth:Authority is not configured.");
        var requireHttps = builder.Configuration.GetValue("Auth:RequireHttpsMetadata", true);

        services.AddRazorComponents();
        services.AddRadzenComponents();
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.AddHttpContextAccessor();
        services.AddMemoryCache();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SessionStore>();
        services.AddSingleton<SessionTokens>();
        services.AddHttpClient<IdentityClient>(http => http.BaseAddress = new Uri(authority.TrimEnd('/') + "/"));
        services.AddGatewayClients(builder.Configuration);

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(o =>
            {
                o.Cookie.Name = "collaboration.portal";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = requireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = portal.IdleTimeout;
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<SessionTokens>().ValidateAsync(context);
            })
            .AddOpenIdConnect(o =>
            {
                o.Authority = authority;
                o.RequireHttpsMetadata = requireHttps;
                o.ClientId = portal.ClientId;
                o.ClientSecret = portal.ClientSecret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                // The code comes back as a query string: a cross-origin form post would need SameSite=None cookies,
                // which browsers refuse over plain HTTP (the local platform).
                o.ResponseMode = OpenIdConnectResponseMode.Query;
                o.UsePkce = true;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("offline_access");
                o.SaveTokens = true;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.MapInboundClaims = false;
                o.TokenValidationParameters.NameClaimType = "sub";
                o.TokenValidationParameters.RoleClaimType = RoleClaim;
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.Events.OnTokenValidated = OnSignedInAsync;
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<SessionStore>((o, store) => o.SessionStore = store);
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddAntiforgery();
        return builder;
    }

    /// <summary>A new session: its own id (for one token refresh at a time) and the organisation's registered name.</summary>
    private static async Task OnSignedInAsync(TokenValidatedContext context)
    {
        context.Properties!.Items[SessionTokens.SessionItem] = Guid.NewGuid().ToString("N");
        if (context.Principal?.FindFirstValue(OrganizationClaim) is { Length: > 0 } code
            && context.Principal.Identity is ClaimsIdentity identity)
        {
            var organization = await context.HttpContext.RequestServices.GetRequiredService<IdentityClient>()
                .OrganizationAsync(code, context.HttpContext.RequestAborted);
            identity.AddClaim(new Claim(OrganizationNameClaim, organization?.Name ?? code));
        }
    }

    public static WebApplication MapPortal(this WebApplication app)
    {
        // In every environment: no stack trace or internal address ever reaches a page.
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Cultures[0]),
            SupportedCultures = Cultures,
            SupportedUICultures = Cultures,
            // Only the person's choice counts, not the browser's Accept-Language: zh-CN unless they switch.
            RequestCultureProviders = [new CookieRequestCultureProvider()],
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapDefaultEndpoints();
        app.MapStaticAssets();
        app.MapPortalEndpoints();
        app.MapRazorComponents<App>().RequireAuthorization();
        return app;
    }

    private static void MapPortalEndpoints(this WebApplication app)
    {
        // Switching the language: a cookie for a year, then back to the page the person was on.
        app.MapGet("/culture/{name}", (string name, string? returnUrl, HttpContext context) =>
        {
            var culture = Cultures.FirstOrDefault(c => c.Name == name) ?? Cultures[0];
            context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true });
            return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
        });

        app.MapGet("/account/signin", (string? returnUrl) =>
            Results.Challenge(new AuthenticationProperties { RedirectUri = IsLocal(returnUrl) ? returnUrl : "/" },
                [OpenIdConnectDefaults.AuthenticationScheme]));

        // Sign-out: the refresh token is revoked at the identity service, the session removed here, and the identity
        // service's own sign-in session ended, so nothing left in the browser (or copied from it) signs anyone in.
        app.MapPost("/account/signout", async (HttpContext context, IdentityClient identity) =>
        {
            var session = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (session.Succeeded && session.Properties?.GetTokenValue("refresh_token") is { } refreshToken)
            {
                await identity.RevokeAsync(refreshToken, context.RequestAborted);
            }
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (!session.Succeeded)
            {
                return Results.LocalRedirect("/");
            }
            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]);
        }).WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute());
    }

    internal static bool IsLocal(string? url) =>
        url is { Length: > 0 } && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

    /// <summary>The signed-in person's organisation (null for a city admin).</summary>
    public static string? Organization(this ClaimsPrincipal user) => user.FindFirstValue(OrganizationClaim);

    public static string Role(this ClaimsPrincipal user) => user.FindFirstValue(RoleClaim) ?? "";

    public static bool IsAdmin(this ClaimsPrincipal user) => user.Role() == "admin";

    /// <summary>Owners and editors write; a viewer only reads (the services decide, the pages only hide what would be refused).</summary>
    public static bool MayWrite(this ClaimsPrincipal user) => user.Role() is "owner" or "editor";
}
