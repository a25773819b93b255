using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Collaboration.Identity.Accounts;
using Collaboration.Identity.Endpoints;
using Collaboration.Shared.Identity;
using Collaboration.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Collaboration.Identity.Tests;

/// <summary>
/// The shared mechanism every service and the gateway use (services/Shared AddCollaborationAuthentication
/// with Auth:Authority): tokens are checked against the identity service's discovery document and JWKS,
/// and partner grants through <see cref="GrantChecker"/>. Each refused token is refused for one reason only:
/// the same forger with correct values is accepted.
/// </summary>
public sealed class AuthorityValidationTests(IdentityFixture fixture) : IAsyncLifetime
{
    private ServiceHost _api = null!;
    private RsaSecurityKey _issuerKey = null!;
    private string _issuer = "";

    public async ValueTask InitializeAsync()
    {
        _api = await ServiceHost.StartAsync(b =>
        {
            b.AddCollaborationAuthentication();
            b.Services.AddHealthChecks();
        }, a =>
        {
            a.UseAuthentication();
            a.UseAuthorization();
            a.MapHealthChecks("/health");
            a.MapGet("/whoami", (ClaimsPrincipal user) => Caller.From(user)).RequireAuthorization();
            a.MapGet("/role-on", async (HttpContext context, GrantChecker grants, string resource, string owner) =>
            {
                var caller = Caller.From(context.User);
                var token = context.Request.Headers.Authorization.ToString()["Bearer ".Length..];
                return (await grants.RoleOnAsync(caller, token, resource, owner, context.RequestAborted))?.ToString() ?? "none";
            }).RequireAuthorization();
        }, new Dictionary<string, string?>
        {
            ["Auth:Authority"] = fixture.BaseUrl,
            ["Auth:RequireHttpsMetadata"] = "false",
        });
        _issuerKey = KeyFiles.Load(null, fixture.KeyDirectory, "signing-key.pem");
        _issuer = IdentityFixture.Payload(await fixture.AdminTokenAsync()).GetProperty("iss").GetString()!;
    }

    public async ValueTask DisposeAsync() => await _api.DisposeAsync();

    private async Task<HttpStatusCode> CallAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return (await _api.Http.SendAsync(request)).StatusCode;
    }

    private string Forge(SecurityKey? key = null, string? issuer = null, string audience = "collaboration", DateTime? notBefore = null,
        DateTime? expires = null, string algorithm = SecurityAlgorithms.RsaSha256)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? _issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = "forger", ["role"] = "admin" },
            NotBefore = notBefore ?? now.AddMinutes(-1),
            IssuedAt = notBefore ?? now.AddMinutes(-1),
            Expires = expires ?? now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(key ?? _issuerKey, algorithm),
        });
    }

    [Fact]
    public async Task RealToken_IsAccepted()
    {
        var token = (await fixture.SignInAsync("viewer@a.test")).AccessToken;

        var caller = await (await SendAsync(token)).Content.ReadFromJsonAsync<Caller>();

        Assert.Equal(fixture.OrgA, caller!.Organization);
        Assert.Equal(CallerRole.Viewer, caller.Role);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(await fixture.AdminTokenAsync()));
    }

    [Fact]
    public async Task ForgerWithTheIssuersKeyAndRightValues_IsAccepted() =>
        Assert.Equal(HttpStatusCode.OK, await CallAsync(Forge()));

    [Fact]
    public async Task MissingToken_Is401() => Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(null));

    [Fact]
    public async Task ExpiredToken_Is401() => Assert.Equal(HttpStatusCode.Unauthorized,
        await CallAsync(Forge(notBefore: DateTime.UtcNow.AddMinutes(-20), expires: DateTime.UtcNow.AddMinutes(-10))));

    [Fact]
    public async Task NotYetValidToken_Is401() => Assert.Equal(HttpStatusCode.Unauthorized,
        await CallAsync(Forge(notBefore: DateTime.UtcNow.AddMinutes(10), expires: DateTime.UtcNow.AddMinutes(20))));

    [Fact]
    public async Task WrongIssuer_Is401() => Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(Forge(issuer: "https://someone-else.example/")));

    [Fact]
    public async Task WrongAudience_Is401() => Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(Forge(audience: "another-api")));

    [Fact]
    public async Task AlgNone_Is401()
    {
        var real = Forge();
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync($"{header}.{real.Split('.')[1]}."));
    }

    [Fact]
    public async Task TamperedPayload_Is401()
    {
        var real = (await fixture.SignInAsync("viewer@a.test")).AccessToken.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(real[1])).Replace("\"viewer\"", "\"admin\"", StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync($"{real[0]}.{Base64UrlEncoder.Encode(payload)}.{real[2]}"));
    }

    [Fact]
    public async Task UnknownKey_EvenWithTheIssuersKeyId_Is401()
    {
        var stranger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = _issuerKey.KeyId };

        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(Forge(key: stranger)));
    }

    [Fact]
    public async Task DevelopmentHs256Key_IsNoLongerAccepted() =>
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(Tokens.For(fixture.OrgA, "enterprise")));

    [Fact]
    public async Task GrantChecker_HonoursALiveGrantOnly()
    {
        var resource = $"labs/{Guid.NewGuid():N}";
        var ownerA = fixture.Http((await fixture.SignInAsync("owner@a.test")).AccessToken);
        var ownerB = (await fixture.SignInAsync("owner@b.test")).AccessToken;
        var viewerB = (await fixture.SignInAsync("viewer@b.test")).AccessToken;
        var ownerC = (await fixture.SignInAsync("owner@c.test")).AccessToken;
        var grant = await IdentityFixture.ReadAsync<GrantView>(await ownerA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(resource, fixture.OrgB, "editor")));

        Assert.Equal("Editor", await RoleOnAsync(ownerB, resource, fixture.OrgA));
        Assert.Equal("Viewer", await RoleOnAsync(viewerB, resource, fixture.OrgA));
        Assert.Equal("none", await RoleOnAsync(ownerC, resource, fixture.OrgA));
        Assert.Equal("none", await RoleOnAsync(ownerB, resource, fixture.OrgC));
        Assert.Equal("Owner", await RoleOnAsync(ownerC, resource, fixture.OrgC));

        await ownerA.DeleteAsync($"/api/grants/{grant.Id}");

        Assert.Equal("none", await RoleOnAsync(ownerB, resource, fixture.OrgA));
    }

    private async Task<HttpResponseMessage> SendAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await _api.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private async Task<string> RoleOnAsync(string token, string resource, string owner)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/role-on?resource={Uri.EscapeDataString(resource)}&owner={owner}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await _api.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return body;
    }
}
