using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Collaboration.Shared.Identity;

namespace Collaboration.Seeds;

/// <summary>An access token and when to stop using it.</summary>
public readonly record struct IssuedToken(string AccessToken, DateTime Expires);

/// <summary>
/// Where the loader's tokens come from: the identity service (client credentials: the admin client
/// <c>seed-loader@city</c> and each seeded organisation's owner client <c>seed-loader@&lt;credit code&gt;</c>,
/// all registered by the AppHost), or, only when asked for explicitly, an HS256 development key. The
/// client ids are the subjects the loader's tokens always had, so earlier seeded data replays.
/// </summary>
public sealed partial class TokenSource
{
    public const string DefaultIdentityUrl = "http://localhost:8090";
    public const string DefaultAdminClientId = "seed-loader@city";
    public const string DefaultOrganizationClientPrefix = "seed-loader@";
    public const string PortalClientId = "portal";
    public const string PortalRedirectUri = "http://127.0.0.1/callback";
    private static readonly TimeSpan DevLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan IdentityBudget = TimeSpan.FromSeconds(60);

    private readonly Uri? _identity;
    private readonly AuthOptions? _devKey;

    private TokenSource(Uri? identity, AuthOptions? devKey)
    {
        _identity = identity;
        _devKey = devKey;
    }

    public string AdminClientId { get; private init; } = DefaultAdminClientId;
    public string? AdminClientSecret { get; private init; }
    public string OrganizationClientPrefix { get; private init; } = DefaultOrganizationClientPrefix;
    public string? OrganizationClientSecret { get; private init; }

    public Uri? IdentityUrl => _identity;

    public static TokenSource FromIdentity(Uri identity, string adminClientId = DefaultAdminClientId, string? adminClientSecret = null,
        string organizationClientPrefix = DefaultOrganizationClientPrefix, string? organizationClientSecret = null) =>
        new(identity, null)
        {
            AdminClientId = adminClientId,
            AdminClientSecret = adminClientSecret,
            OrganizationClientPrefix = organizationClientPrefix,
            OrganizationClientSecret = organizationClientSecret,
        };

    public static TokenSource FromDevKey(AuthOptions devKey) => new(null, devKey);

    public string AdminSubject => _devKey is null ? AdminClientId : DefaultAdminClientId;

    public string OwnerSubject(SeedOrganization organization) =>
        (_devKey is null ? OrganizationClientPrefix : DefaultOrganizationClientPrefix) + organization.CreditCode;

    public Task<IssuedToken> AdminAsync(CancellationToken cancellationToken) => _devKey is { } key
        ? Task.FromResult(Mint(key, AdminSubject, null, null, "admin"))
        : ClientCredentialsAsync(AdminClientId,
            AdminClientSecret ?? throw new SeedException(
                "no client secret for the admin client: set Seeds__ClientSecret, or start the AppHost once so that it writes .data/seeds-client-secret (or pass --data-dir DIR)."),
            cancellationToken);

    public Task<IssuedToken> OwnerAsync(SeedOrganization organization, CancellationToken cancellationToken) => _devKey is { } key
        ? Task.FromResult(Mint(key, OwnerSubject(organization), organization.CreditCode, SeedData.ClaimKind(organization.Kind), "owner"))
        : ClientCredentialsAsync(OrganizationClientPrefix + organization.CreditCode,
            OrganizationClientSecret ?? throw new SeedException(
                "no client secret for the organisations' clients: set Seeds__OrgClientSecret, or start the AppHost once so that it writes .data/identity-org-client-secret."),
            cancellationToken);

    private static IssuedToken Mint(AuthOptions key, string subject, string? organization, string? kind, string role)
    {
        var now = DateTime.UtcNow;
        return new IssuedToken(JwtAuthentication.MintToken(key, subject, organization, kind, role, DevLifetime, now), now + DevLifetime);
    }

    /// <summary>Client credentials at the identity service; retried while it is unreachable or starting.</summary>
    public Task<IssuedToken> ClientCredentialsAsync(string clientId, string secret, CancellationToken cancellationToken) =>
        TokenRequestAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }, $"client {clientId}", cancellationToken);

    /// <summary>
    /// A person's sign-in, as a browser does it (authorization code with PKCE through the public client
    /// <c>portal</c>): authorize → sign-in page → form → authorize again → code → token.
    /// </summary>
    public async Task<IssuedToken> SignInAsync(string email, string password, CancellationToken cancellationToken)
    {
        var identity = _identity ?? throw new InvalidOperationException("Signing in needs the identity service.");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = identity,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(12));
        var authorize = $"/connect/authorize?client_id={PortalClientId}&response_type=code&scope=openid"
            + $"&redirect_uri={Uri.EscapeDataString(PortalRedirectUri)}&state={state}&code_challenge={challenge}&code_challenge_method=S256";
        using var first = await browser.GetAsync(authorize, cancellationToken);
        var signInUrl = Redirected(first, "the authorization endpoint");
        var page = await browser.GetStringAsync(signInUrl, cancellationToken);
        var fields = HiddenField().Matches(page).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["email"] = email;
        fields["password"] = password;
        using var posted = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(fields), cancellationToken);
        if (posted.StatusCode != HttpStatusCode.Redirect)
        {
            throw new SeedException($"signing in {email} failed ({(int)posted.StatusCode}): wrong email or password, or the account is locked for a while.");
        }
        using var back = await browser.GetAsync(Redirected(posted, "the sign-in page"), cancellationToken);
        var callback = new Uri(Redirected(back, "the authorization endpoint"), UriKind.Absolute);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(callback.Query);
        if (query["state"].ToString() != state || string.IsNullOrEmpty(query["code"].ToString()))
        {
            throw new SeedException($"the identity service answered the sign-in without a code: {callback}");
        }
        return await TokenRequestAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = PortalClientId, ["code"] = query["code"].ToString(),
            ["redirect_uri"] = PortalRedirectUri, ["code_verifier"] = verifier,
        }, email, cancellationToken);
    }

    private static string Redirected(HttpResponseMessage response, string what) =>
        response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location is { } location
            ? location.ToString()
            : throw new SeedException($"{what} answered {(int)response.StatusCode} instead of a redirect.");

    private async Task<IssuedToken> TokenRequestAsync(Dictionary<string, string> form, string who, CancellationToken cancellationToken)
    {
        var identity = _identity ?? throw new InvalidOperationException("No identity service configured.");
        using var http = new HttpClient { BaseAddress = identity, Timeout = TimeSpan.FromSeconds(15) };
        var giveUpAt = DateTime.UtcNow + IdentityBudget;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var requested = DateTime.UtcNow;
                using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(form), cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if ((int)response.StatusCode >= 500 && DateTime.UtcNow < giveUpAt)
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), cancellationToken);
                    continue;
                }
                using var json = JsonDocument.Parse(body.Length == 0 ? "{}" : body);
                if (!response.IsSuccessStatusCode || !json.RootElement.TryGetProperty("access_token", out var token))
                {
                    var error = json.RootElement.TryGetProperty("error_description", out var d) ? d.GetString()
                        : json.RootElement.TryGetProperty("error", out var e) ? e.GetString() : body;
                    throw new SeedException($"{identity} refused a token for {who} ({(int)response.StatusCode}): {error}");
                }
                var seconds = json.RootElement.TryGetProperty("expires_in", out var expiresIn) ? expiresIn.GetInt32() : 300;
                return new IssuedToken(token.GetString()!, requested + TimeSpan.FromSeconds(seconds));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (DateTime.UtcNow >= giveUpAt)
                {
                    throw new SeedException($"the identity service at {identity} does not answer ({e.Message}); is the AppHost running?");
                }
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), cancellationToken);
            }
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\">")]
    private static partial Regex HiddenField();
}
