using System.Net;
using System.Security.Cryptography;

namespace Collaboration.Identity.Tests;

/// <summary>The web portal's client: confidential (its secret stays on its server) and able to end the sign-in session.</summary>
public sealed class WebPortalClientTests(IdentityFixture fixture)
{
    [Fact]
    public async Task ConfidentialClient_RedeemsTheCode_OnlyWithItsSecret()
    {
        var (code, verifier) = await fixture.AuthorizeAsync("owner@a.test", fixture.Password, clientId: IdentityFixture.WebPortalClient);

        using var withoutSecret = await fixture.RedeemAsync(code, verifier, IdentityFixture.WebPortalClient);
        Assert.False(withoutSecret.IsSuccessStatusCode, await withoutSecret.Content.ReadAsStringAsync());
        using var wrongSecret = await fixture.RedeemAsync(code, verifier, IdentityFixture.WebPortalClient, IdentityFixture.Secret());
        Assert.False(wrongSecret.IsSuccessStatusCode, await wrongSecret.Content.ReadAsStringAsync());
        using var withSecret = await fixture.RedeemAsync(code, verifier, IdentityFixture.WebPortalClient, fixture.WebPortalSecret);
        Assert.Equal(HttpStatusCode.OK, withSecret.StatusCode);
    }

    [Fact]
    public async Task EndSession_EndsTheSignInSession_SoTheNextAuthorizationAsksForThePasswordAgain()
    {
        using var browser = fixture.Browser();
        await fixture.AuthorizeAsync("owner@a.test", fixture.Password, clientId: IdentityFixture.WebPortalClient, browser: browser);
        var challenge = IdentityFixture.Base64Url(SHA256.HashData(RandomNumberGenerator.GetBytes(32)));
        var authorize = $"/connect/authorize?client_id={IdentityFixture.WebPortalClient}&response_type=code&scope=openid"
            + $"&redirect_uri={Uri.EscapeDataString(IdentityFixture.RedirectUri)}&state=s2&code_challenge={challenge}&code_challenge_method=S256";
        using (var signedIn = await browser.GetAsync(authorize))
        {
            Assert.StartsWith(IdentityFixture.RedirectUri, signedIn.Headers.Location!.ToString()); // the session signs in by itself
        }

        using var endSession = await browser.GetAsync(
            $"/connect/endsession?client_id={IdentityFixture.WebPortalClient}&post_logout_redirect_uri={Uri.EscapeDataString(IdentityFixture.RedirectUri + "/signed-out")}");
        Assert.Equal(HttpStatusCode.Redirect, endSession.StatusCode);
        Assert.StartsWith(IdentityFixture.RedirectUri + "/signed-out", endSession.Headers.Location!.ToString());

        using var again = await browser.GetAsync(authorize);
        Assert.StartsWith("/account/signin", again.Headers.Location!.ToString());
    }
}
