using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Collaboration.Identity;
using Collaboration.TestSupport;
using Microsoft.AspNetCore.Builder;

[assembly: AssemblyFixture(typeof(Collaboration.Identity.Tests.IdentityFixture))]

namespace Collaboration.Identity.Tests;

/// <summary>One PostgreSQL and one identity service for the assembly, with organisations, clients and accounts from configuration.</summary>
public sealed partial class IdentityFixture : IAsyncLifetime
{
    public const string PortalClient = "portal";
    /// <summary>A confidential client people sign in through (the web portal): code + PKCE, and its secret.</summary>
    public const string WebPortalClient = "portal-web";
    public const string RedirectUri = "http://127.0.0.1/callback";
    public const string AdminClient = "seeds-loader";
    public const string OrgClient = "integration-job";

    public string OrgA { get; } = Organizations.NewCode("91");
    public string OrgB { get; } = Organizations.NewCode("12");
    public string OrgC { get; } = Organizations.NewCode("91");
    public string AdminClientSecret { get; } = Secret();
    public string OrgClientSecret { get; } = Secret();
    public string WebPortalSecret { get; } = Secret();
    /// <summary>Every bootstrap account's password (random per run).</summary>
    public string Password { get; } = Secret();
    public string KeyDirectory { get; } = Path.Combine(Path.GetTempPath(), "collab-identity-keys-" + Guid.NewGuid().ToString("N")[..8]);

    public PostgresServer Postgres { get; private set; } = null!;
    public ServiceHost Service { get; private set; } = null!;
    public string BaseUrl => $"http://127.0.0.1:{Service.HttpPort}";

    public static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Service = await StartAsync();
    }

    public Task<ServiceHost> StartAsync() => ServiceHost.StartAsync(b => b.AddIdentityServices(), a => a.MapIdentityEndpoints(), Settings());

    public Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:identitydb"] = Postgres.ConnectionString("identity"),
            ["Identity:AllowHttp"] = "true",
            ["Identity:KeyDirectory"] = KeyDirectory,
            ["Identity:MaxFailedSignIns"] = "3",
            ["Identity:Clients:0:ClientId"] = AdminClient,
            ["Identity:Clients:0:ClientSecret"] = AdminClientSecret,
            ["Identity:Clients:0:Role"] = "admin",
            ["Identity:Clients:1:ClientId"] = OrgClient,
            ["Identity:Clients:1:ClientSecret"] = OrgClientSecret,
            ["Identity:Clients:1:Role"] = "editor",
            ["Identity:Clients:1:Organization"] = OrgA,
            ["Identity:PortalClients:0:ClientId"] = PortalClient,
            ["Identity:PortalClients:0:RedirectUris:0"] = RedirectUri,
            ["Identity:PortalClients:1:ClientId"] = WebPortalClient,
            ["Identity:PortalClients:1:ClientSecret"] = WebPortalSecret,
            ["Identity:PortalClients:1:RedirectUris:0"] = RedirectUri,
            ["Identity:PortalClients:1:PostLogoutRedirectUris:0"] = RedirectUri + "/signed-out",
        };
        (string Code, string Kind)[] organizations = [(OrgA, "enterprise"), (OrgB, "university"), (OrgC, "enterprise")];
        for (var i = 0; i < organizations.Length; i++)
        {
            settings[$"Identity:Organizations:{i}:Code"] = organizations[i].Code;
            settings[$"Identity:Organizations:{i}:Name"] = $"Organisation {i}";
            settings[$"Identity:Organizations:{i}:Kind"] = organizations[i].Kind;
        }
        (string Email, string Role, string? Org)[] users =
        [
            ("admin@city.test", "admin", null),
            ("owner@a.test", "owner", OrgA), ("editor@a.test", "editor", OrgA), ("viewer@a.test", "viewer", OrgA),
            ("owner@b.test", "owner", OrgB), ("viewer@b.test", "viewer", OrgB), ("owner@c.test", "owner", OrgC),
            ("lockme@a.test", "viewer", OrgA),
        ];
        for (var i = 0; i < users.Length; i++)
        {
            settings[$"Identity:Users:{i}:Email"] = users[i].Email;
            settings[$"Identity:Users:{i}:Password"] = Password;
            settings[$"Identity:Users:{i}:Role"] = users[i].Role;
            settings[$"Identity:Users:{i}:Organization"] = users[i].Org;
        }
        return settings;
    }

    public HttpClient Http(string? token = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    public async Task<HttpResponseMessage> ClientCredentialsAsync(string clientId, string secret)
    {
        using var http = Http();
        return await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }));
    }

    public async Task<string> AdminTokenAsync() =>
        (await ReadTokensAsync(await ClientCredentialsAsync(AdminClient, AdminClientSecret))).AccessToken;

    public sealed record TokenSet(string AccessToken, string? RefreshToken, string? IdToken);

    public static async Task<TokenSet> ReadTokensAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        string? Get(string name) => json.RootElement.TryGetProperty(name, out var v) ? v.GetString() : null;
        return new TokenSet(Get("access_token")!, Get("refresh_token"), Get("id_token"));
    }

    /// <summary>
    /// A person's authorization code flow with PKCE, as a browser does it: authorize → sign-in page →
    /// form post → authorize again → redirect with the code → code + verifier at the token endpoint.
    /// </summary>
    public async Task<TokenSet> SignInAsync(string email, string? password = null)
    {
        var (code, verifier) = await AuthorizeAsync(email, password ?? Password);
        return await ReadTokensAsync(await RedeemAsync(code, verifier));
    }

    public async Task<(string Code, string Verifier)> AuthorizeAsync(string email, string password, bool pkce = true,
        string clientId = PortalClient, HttpClient? browser = null)
    {
        using var owned = browser is null ? Browser() : null;
        browser ??= owned!;
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
        var authorize = $"/connect/authorize?client_id={clientId}&response_type=code&scope=openid%20offline_access"
            + $"&redirect_uri={Uri.EscapeDataString(RedirectUri)}&state=s1"
            + (pkce ? $"&code_challenge={challenge}&code_challenge_method=S256" : "");
        var first = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var signInUrl = first.Headers.Location!.ToString();
        Assert.StartsWith("/account/signin", signInUrl);

        var posted = await PostSignInAsync(browser, signInUrl, email, password);
        Assert.True(posted.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {(int)posted.StatusCode}");
        var back = await browser.GetAsync(posted.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var callback = back.Headers.Location!;
        Assert.StartsWith(RedirectUri, callback.ToString());
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(callback.Query);
        Assert.Equal("s1", query["state"].ToString());
        return (query["code"].ToString(), verifier);
    }

    public HttpClient Browser() => new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
    {
        BaseAddress = new Uri(BaseUrl),
    };

    /// <summary>Loads the sign-in page (for its anti-forgery token) and posts the form.</summary>
    public static async Task<HttpResponseMessage> PostSignInAsync(HttpClient browser, string signInUrl, string email, string password)
    {
        var page = await browser.GetStringAsync(signInUrl);
        var fields = HiddenField().Matches(page).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["email"] = email;
        fields["password"] = password;
        return await browser.PostAsync("/account/signin", new FormUrlEncodedContent(fields));
    }

    public async Task<HttpResponseMessage> RedeemAsync(string code, string verifier, string clientId = PortalClient, string? secret = null)
    {
        using var http = Http();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = clientId, ["code"] = code,
            ["redirect_uri"] = RedirectUri, ["code_verifier"] = verifier,
        };
        if (secret is not null)
        {
            form["client_secret"] = secret;
        }
        return await http.PostAsync("/connect/token", new FormUrlEncodedContent(form));
    }

    public async Task<HttpResponseMessage> RefreshAsync(string refreshToken)
    {
        using var http = Http();
        return await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = PortalClient, ["refresh_token"] = refreshToken,
        }));
    }

    public async Task<HttpResponseMessage> RevokeAsync(string token)
    {
        using var http = Http();
        return await http.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = PortalClient, ["token"] = token, ["token_type_hint"] = "refresh_token",
        }));
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The payload of a JWT, decoded (no validation).</summary>
    public static JsonElement Payload(string jwt) => JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(jwt.Split('.')[1])).RootElement;

    public static JsonElement Header(string jwt) => JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(jwt.Split('.')[0])).RootElement;

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web)!;
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\">")]
    private static partial Regex HiddenField();

    public async ValueTask DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
        try { Directory.Delete(KeyDirectory, recursive: true); } catch (IOException) { }
    }
}
