using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Collaboration.Identity.Accounts;
using Collaboration.Identity.Data;
using Collaboration.Identity.Model;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Collaboration.Identity.Endpoints;

/// <summary>The OAuth endpoints OpenIddict passes through (authorize, token) and the sign-in page for people.</summary>
public static class ConnectEndpoints
{
    public const string SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string SignInPath = "/account/signin";

    public static void MapConnectEndpoints(this WebApplication app)
    {
        app.MapMethods("/connect/authorize", ["GET", "POST"], AuthorizeAsync);
        app.MapPost("/connect/token", TokenAsync);
        app.MapMethods("/connect/endsession", ["GET", "POST"], (Delegate)EndSessionAsync);
        app.MapGet(SignInPath, (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
            SignInPage(context, antiforgery, returnUrl ?? "/", error: null));
        app.MapPost(SignInPath, SignInAsync).DisableAntiforgery();
        app.MapGet("/", HomeAsync);
    }

    /// <summary>Where a person lands after signing in without an application to return to: who they are, and the links that matter.</summary>
    private static async Task<IResult> HomeAsync(HttpContext context, IdentityDb db, CancellationToken ct)
    {
        var session = await context.AuthenticateAsync(SignInScheme);
        var user = session.Succeeded ? await FindUserAsync(db, session.Principal.FindFirstValue(Claims.Subject), ct) : null;
        var who = user is null
            ? $"<p>You are not signed in. <a href=\"{SignInPath}\">Sign in</a>.</p>"
            : $"<p>Signed in as <strong>{WebUtility.HtmlEncode(user.Email)}</strong>: {WebUtility.HtmlEncode(user.Role)}"
              + (user.OrganizationCode is null ? " of the city" : $" of {WebUtility.HtmlEncode(user.OrganizationCode)}") + ".</p>";
        var html = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Collaboration identity</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body><main><h1>Collaboration identity</h1>{who}
            <p>Applications send you here to sign in and get a token for the APIs (authorization code with PKCE);
            machine clients use client credentials at <code>/connect/token</code>.</p>
            <ul><li><a href="/.well-known/openid-configuration">OpenID Connect discovery</a></li>
            <li><a href="/.well-known/jwks">Signing keys (JWKS)</a></li></ul>
            </main></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, IdentityDb db, IOptions<IdentityServiceOptions> options, CancellationToken ct)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await context.AuthenticateAsync(SignInScheme);
        var user = session.Succeeded ? await FindUserAsync(db, session.Principal.FindFirstValue(Claims.Subject), ct) : null;
        if (user is null || user.LockoutEnd > DateTimeOffset.UtcNow)
        {
            var returnUrl = context.Request.PathBase + context.Request.Path + QueryOf(context.Request);
            return Results.Redirect($"{SignInPath}?returnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        var organization = user.OrganizationCode is null ? null : await db.Organizations.FindAsync([user.OrganizationCode], ct);
        var principal = Principals.Create(user.Email, user.Role, organization, options.Value.Audience, request.GetScopes());
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// Sign-out (RP-initiated logout): the sign-in session here ends too, so the next authorization request asks for
    /// the password again; OpenIddict then sends the person to the client's registered post-logout URI.
    /// </summary>
    private static async Task<IResult> EndSessionAsync(HttpContext context)
    {
        await context.SignOutAsync(SignInScheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    // A POSTed authorization request carries its parameters in the form; the sign-in page sends the person back with a GET.
    private static string QueryOf(HttpRequest request) => request.HasFormContentType
        ? QueryString.Create(request.Form.Select(f => KeyValuePair.Create(f.Key, (string?)f.Value.ToString()))).ToString()
        : request.QueryString.ToString();

    private static async Task<IResult> TokenAsync(HttpContext context, IdentityDb db, IOpenIddictApplicationManager applications,
        IOptions<IdentityServiceOptions> options, CancellationToken ct)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var audience = options.Value.Audience;
        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!, ct);
            var properties = application is null ? null : await applications.GetPropertiesAsync(application, ct);
            var role = properties is not null && properties.TryGetValue("role", out var r) ? r.GetString() : null;
            if (role is null || !Roles.IsKnown(role))
            {
                return Refuse(Errors.UnauthorizedClient, "This client has no role.");
            }
            Organization? organization = null;
            if (role != Roles.Admin)
            {
                var code = properties!.TryGetValue("org", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
                organization = code is null ? null : await db.Organizations.FindAsync([code], ct);
                if (organization is null)
                {
                    return Refuse(Errors.UnauthorizedClient, "This client's organisation is not registered.");
                }
            }
            return Results.SignIn(Principals.Create(request.ClientId!, role, organization, audience, request.GetScopes()),
                authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }
        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // OpenIddict has validated the code or refresh token (and that it was not revoked or redeemed);
            // the claims are rebuilt from the account now, so a removed person or a changed role takes effect.
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = await FindUserAsync(db, result.Principal?.FindFirstValue(Claims.Subject), ct);
            if (user is null || user.LockoutEnd > DateTimeOffset.UtcNow)
            {
                return Refuse(Errors.InvalidGrant, "The account no longer exists or is locked.");
            }
            var organization = user.OrganizationCode is null ? null : await db.Organizations.FindAsync([user.OrganizationCode], ct);
            return Results.SignIn(Principals.Create(user.Email, user.Role, organization, audience, result.Principal!.GetScopes()),
                authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }
        return Refuse(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static async Task<User?> FindUserAsync(IdentityDb db, string? email, CancellationToken ct) =>
        string.IsNullOrEmpty(email) ? null : await db.Users.SingleOrDefaultAsync(u => u.Email == email, ct);

    private static async Task<IResult> SignInAsync(HttpContext context, IAntiforgery antiforgery, PasswordSignIn signIn, CancellationToken ct)
    {
        var form = await context.Request.ReadFormAsync(ct);
        var returnUrl = form["returnUrl"].ToString();
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return SignInPage(context, antiforgery, returnUrl, "The form expired; please try again.", StatusCodes.Status400BadRequest);
        }
        var (outcome, user) = await signIn.SignInAsync(form["email"].ToString(), form["password"].ToString(), ct);
        if (outcome != SignInOutcome.Succeeded || user is null)
        {
            // One message for a wrong password, an unknown email and a locked account: nothing to enumerate.
            return SignInPage(context, antiforgery, returnUrl, "Wrong email or password, or the account is locked for a while.",
                StatusCodes.Status401Unauthorized);
        }
        var identity = new ClaimsIdentity([new Claim(Claims.Subject, user.Email)], SignInScheme, Claims.Subject, Claims.Role);
        await context.SignInAsync(SignInScheme, new ClaimsPrincipal(identity));
        return Results.Redirect(IsLocal(returnUrl) ? returnUrl : "/");
    }

    private static bool IsLocal(string url) =>
        url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

    private static IResult SignInPage(HttpContext context, IAntiforgery antiforgery, string returnUrl, string? error, int status = 200)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var message = error is null ? "" : $"<p role=\"alert\">{WebUtility.HtmlEncode(error)}</p>";
        var html = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Sign in · Collaboration</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body><main><h1>Sign in</h1>{message}
            <form method="post" action="{SignInPath}">
            <input type="hidden" name="{tokens.FormFieldName}" value="{WebUtility.HtmlEncode(tokens.RequestToken)}">
            <input type="hidden" name="returnUrl" value="{WebUtility.HtmlEncode(returnUrl)}">
            <label>Email <input type="email" name="email" autocomplete="username" required></label>
            <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
            <button type="submit">Sign in</button>
            </form></main></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
