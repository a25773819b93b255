using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Collaboration.Portal.Auth;

/// <summary>
/// Keeps a session's access token fresh: on every request whose token has less than
/// <see cref="PortalOptions.RefreshBefore"/> left, the refresh token is exchanged once (one exchange per session even
/// when the browser sends requests in parallel: the identity service rotates refresh tokens and treats a reused one as
/// stolen). A refresh the identity service refuses (revoked, expired, account locked) ends the session.
/// </summary>
public sealed class SessionTokens(IdentityClient identity, IMemoryCache recent, TimeProvider time, IOptions<PortalOptions> options,
    ILogger<SessionTokens> logger)
{
    public const string SessionItem = "portal.session";
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new();

    public static TokenSet? Read(AuthenticationProperties properties)
    {
        var access = properties.GetTokenValue("access_token");
        var expires = properties.GetTokenValue("expires_at");
        return access is null || !DateTimeOffset.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? null
            : new TokenSet(access, properties.GetTokenValue("refresh_token"), at);
    }

    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var tokens = Read(context.Properties);
        var session = context.Properties.Items.TryGetValue(SessionItem, out var s) ? s : null;
        if (tokens is null || session is null)
        {
            await RejectAsync(context);
            return;
        }
        if (tokens.ExpiresAt - time.GetUtcNow() > options.Value.RefreshBefore)
        {
            return;
        }
        var gate = Locks.GetOrAdd(session, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(context.HttpContext.RequestAborted);
        try
        {
            if (!recent.TryGetValue(SessionItem + session, out TokenSet? fresh) || fresh is null
                || fresh.ExpiresAt - time.GetUtcNow() <= options.Value.RefreshBefore)
            {
                fresh = tokens.RefreshToken is null ? null : await identity.RefreshAsync(tokens.RefreshToken, context.HttpContext.RequestAborted);
                if (fresh is null)
                {
                    logger.LogInformation("The identity service refused to refresh a session; it ends");
                    await RejectAsync(context);
                    return;
                }
                recent.Set(SessionItem + session, fresh, TimeSpan.FromMinutes(2));
            }
            Write(context.Properties, fresh);
            context.ShouldRenew = true;
        }
        finally
        {
            gate.Release();
        }
    }

    public static void Write(AuthenticationProperties properties, TokenSet tokens)
    {
        properties.UpdateTokenValue("access_token", tokens.AccessToken);
        if (tokens.RefreshToken is not null)
        {
            properties.UpdateTokenValue("refresh_token", tokens.RefreshToken);
        }
        properties.UpdateTokenValue("expires_at", IdentityClient.Format(tokens.ExpiresAt));
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
