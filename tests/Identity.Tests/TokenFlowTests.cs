using System.Net;
using System.Text.Json;

namespace Collaboration.Identity.Tests;

public sealed class TokenFlowTests(IdentityFixture fixture)
{
    [Fact]
    public async Task ClientCredentials_AdminClient_IssuesFiveMinuteRs256TokenWithContractClaims()
    {
        var tokens = await IdentityFixture.ReadTokensAsync(await fixture.ClientCredentialsAsync(IdentityFixture.AdminClient, fixture.AdminClientSecret));

        var header = IdentityFixture.Header(tokens.AccessToken);
        var payload = IdentityFixture.Payload(tokens.AccessToken);
        Assert.Equal("RS256", header.GetProperty("alg").GetString());
        Assert.Equal(IdentityFixture.AdminClient, payload.GetProperty("sub").GetString());
        Assert.Equal("admin", payload.GetProperty("role").GetString());
        Assert.False(payload.TryGetProperty("org", out _));
        Assert.Contains("collaboration", Audiences(payload));
        Assert.Equal(300, payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task ClientCredentials_OrganisationClient_CarriesOrganisationAndKind()
    {
        var tokens = await IdentityFixture.ReadTokensAsync(await fixture.ClientCredentialsAsync(IdentityFixture.OrgClient, fixture.OrgClientSecret));

        var payload = IdentityFixture.Payload(tokens.AccessToken);
        Assert.Equal("editor", payload.GetProperty("role").GetString());
        Assert.Equal(fixture.OrgA, payload.GetProperty("org").GetString());
        Assert.Equal("enterprise", payload.GetProperty("org_kind").GetString());
    }

    [Fact]
    public async Task ClientCredentials_WrongSecret_IsRefused()
    {
        var response = await fixture.ClientCredentialsAsync(IdentityFixture.AdminClient, "not-the-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_client", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Discovery_PublishesEndpointsAndPublicRsaKeysOnly()
    {
        using var http = fixture.Http();
        using var discovery = JsonDocument.Parse(await http.GetStringAsync("/.well-known/openid-configuration"));
        var root = discovery.RootElement;
        Assert.EndsWith("/connect/token", root.GetProperty("token_endpoint").GetString());
        Assert.EndsWith("/connect/revoke", root.GetProperty("revocation_endpoint").GetString());
        Assert.Contains("S256", root.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));

        using var jwks = JsonDocument.Parse(await http.GetStringAsync(root.GetProperty("jwks_uri").GetString()));
        var key = Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.False(key.TryGetProperty("d", out _), "the JWKS must not publish the private exponent");
    }

    [Fact]
    public async Task Restart_KeepsTheSigningKey()
    {
        using var http = fixture.Http();
        var before = await http.GetStringAsync("/.well-known/jwks");
        await using var second = await fixture.StartAsync();

        var after = await second.Http.GetStringAsync("/.well-known/jwks");

        Assert.Equal(KeyIds(before), KeyIds(after));
    }

    [Fact]
    public async Task CodeFlow_WithPkce_IssuesTheSignedInPersonsClaims()
    {
        var tokens = await fixture.SignInAsync("editor@a.test");

        var payload = IdentityFixture.Payload(tokens.AccessToken);
        Assert.Equal("editor@a.test", payload.GetProperty("sub").GetString());
        Assert.Equal("editor", payload.GetProperty("role").GetString());
        Assert.Equal(fixture.OrgA, payload.GetProperty("org").GetString());
        Assert.Equal("enterprise", payload.GetProperty("org_kind").GetString());
        Assert.NotNull(tokens.RefreshToken);
        Assert.NotNull(tokens.IdToken);
    }

    [Fact]
    public async Task CodeFlow_WithoutPkce_IsRefused()
    {
        using var browser = fixture.Browser();
        var response = await browser.GetAsync($"/connect/authorize?client_id={IdentityFixture.PortalClient}&response_type=code&scope=openid"
            + $"&redirect_uri={Uri.EscapeDataString(IdentityFixture.RedirectUri)}&state=s1");

        // OpenIddict answers with an error at the redirect URI (or a 400), never with the sign-in page or a code.
        var location = response.Headers.Location?.ToString() ?? "";
        Assert.DoesNotContain("code=", location);
        Assert.DoesNotContain("/account/signin", location);
    }

    [Fact]
    public async Task CodeFlow_WrongVerifier_IsRefused()
    {
        var (code, _) = await fixture.AuthorizeAsync("viewer@a.test", fixture.Password);

        var response = await fixture.RedeemAsync(code, IdentityFixture.Base64Url(new byte[32]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_grant", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CodeFlow_CodeUsedTwice_IsRefused()
    {
        var (code, verifier) = await fixture.AuthorizeAsync("viewer@a.test", fixture.Password);
        await IdentityFixture.ReadTokensAsync(await fixture.RedeemAsync(code, verifier));

        var again = await fixture.RedeemAsync(code, verifier);

        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task Refresh_IssuesANewAccessTokenAndRotatesTheRefreshToken()
    {
        var tokens = await fixture.SignInAsync("viewer@b.test");

        var refreshed = await IdentityFixture.ReadTokensAsync(await fixture.RefreshAsync(tokens.RefreshToken!));

        Assert.Equal("viewer@b.test", IdentityFixture.Payload(refreshed.AccessToken).GetProperty("sub").GetString());
        Assert.NotEqual(tokens.RefreshToken, refreshed.RefreshToken);
    }

    [Fact]
    public async Task Refresh_RevokedRefreshToken_IsRefused()
    {
        var tokens = await fixture.SignInAsync("viewer@b.test");
        var revoke = await fixture.RevokeAsync(tokens.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var response = await fixture.RefreshAsync(tokens.RefreshToken!);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_grant", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignIn_RepeatedFailures_LockTheAccountEvenForTheRightPassword()
    {
        using var browser = fixture.Browser();
        for (var i = 0; i < 3; i++)
        {
            var wrong = await IdentityFixture.PostSignInAsync(browser, "/account/signin?returnUrl=%2F", "lockme@a.test", "wrong-password");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var right = await IdentityFixture.PostSignInAsync(browser, "/account/signin?returnUrl=%2F", "lockme@a.test", fixture.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        using var admin = fixture.Http(await fixture.AdminTokenAsync());
        var audit = await IdentityFixture.ReadAsync<List<Endpoints.AuditView>>(await admin.GetAsync($"/api/audit?organization={fixture.OrgA}"));
        Assert.Contains(audit, a => a.Action == "user.locked" && a.Target == "lockme@a.test");
    }

    [Fact]
    public async Task SignIn_OffSiteReturnUrl_IsNotFollowed()
    {
        using var browser = fixture.Browser();

        var response = await IdentityFixture.PostSignInAsync(browser, "/account/signin?returnUrl=https%3A%2F%2Fevil.example%2F", "viewer@a.test", fixture.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task SignIn_WithoutAnApplication_LandsOnAPageSayingWhoIsSignedIn()
    {
        using var browser = fixture.Browser();
        var before = await browser.GetStringAsync("/", TestContext.Current.CancellationToken);

        var response = await IdentityFixture.PostSignInAsync(browser, "/account/signin", "editor@a.test", fixture.Password);
        var landing = await browser.GetAsync(response.Headers.Location!.ToString(), TestContext.Current.CancellationToken);

        Assert.Contains("not signed in", before, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, landing.StatusCode);
        var page = await landing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("editor@a.test", page, StringComparison.Ordinal);
        Assert.Contains(fixture.OrgA, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_IsRefused()
    {
        using var browser = fixture.Browser();

        var response = await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = "viewer@a.test", ["password"] = fixture.Password, ["returnUrl"] = "/",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static IEnumerable<string?> Audiences(JsonElement payload) => payload.GetProperty("aud") is { ValueKind: JsonValueKind.Array } array
        ? array.EnumerateArray().Select(a => a.GetString())
        : [payload.GetProperty("aud").GetString()];

    private static string KeyIds(string jwks)
    {
        using var json = JsonDocument.Parse(jwks);
        return string.Join(",", json.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()));
    }
}
