using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Collaboration.Alliances.V1;
using Grpc.Core;
using Microsoft.IdentityModel.Tokens;

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// Tokens from the identity service the AppHost starts are what the gateway and the services trust; anything
/// else (expired, not yet valid, another issuer or audience, unsigned, tampered, signed by an unknown key) is
/// refused with UNAUTHENTICATED over gRPC and 401 over JSON, at the gateway and at a service called directly.
/// </summary>
public sealed partial class IdentityTokenTests(PlatformFixture platform)
{
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    [Fact]
    public async Task IdentityToken_WorksOverGrpcAndJson_ThroughTheGateway()
    {
        var token = await platform.AdminTokenAsync();
        var header = JsonDocument.Parse(Base64UrlEncoder.Decode(token.Split('.')[0])).RootElement;
        Assert.StartsWith("RS", header.GetProperty("alg").GetString());

        var page = await platform.Client<AllianceService.AllianceServiceClient>(token)
            .ListAlliancesAsync(new ListAlliancesRequest { PageSize = 5 }, Deadline);
        Assert.NotEmpty(page.Alliances);
        Assert.Equal(HttpStatusCode.OK, await JsonStatusAsync(token));
        // Straight at a service, too: it checks the same issuer's keys itself.
        await platform.Client<AllianceService.AllianceServiceClient>(token, direct: true)
            .ListAlliancesAsync(new ListAlliancesRequest { PageSize = 1 }, Deadline);
    }

    public static TheoryData<string> BadTokens =>
        ["expired", "not-yet-valid", "wrong-issuer", "wrong-audience", "alg-none", "tampered", "unknown-key", "garbage"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task BadToken_IsUnauthenticated_AtTheGatewayAndAtTheService(string kind)
    {
        var token = await BadTokenAsync(kind);

        foreach (var direct in new[] { false, true })
        {
            var client = platform.Client<AllianceService.AllianceServiceClient>(token, direct);
            var error = await Assert.ThrowsAsync<RpcException>(() =>
                client.ListAlliancesAsync(new ListAlliancesRequest { PageSize = 1 }, Deadline).ResponseAsync);
            Assert.True(error.StatusCode == StatusCode.Unauthenticated, $"{kind} (direct: {direct}): {error.Status}");
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await JsonStatusAsync(token));
    }

    [Fact]
    public async Task TokenMintedWithTheIssuersOwnKey_IsAccepted_SoTheRefusalsAboveAreForTheirFlaw()
    {
        var token = await MintAsync(claims => { }, TimeSpan.Zero, TimeSpan.FromMinutes(5));

        Assert.Equal(HttpStatusCode.OK, await JsonStatusAsync(token));
    }

    [Fact]
    public async Task RevokedRefreshToken_IsRefusedByTheIdentityService()
    {
        var (_, refresh) = await SignInAsync("admin@city.demo", platform.AdminPassword);
        Assert.False(string.IsNullOrEmpty(refresh));

        using var revoke = await platform.IdentityHttp.PostAsync("/connect/revoke", Form(new()
        {
            ["client_id"] = "portal", ["token"] = refresh!, ["token_type_hint"] = "refresh_token",
        }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        using var refreshed = await platform.IdentityHttp.PostAsync("/connect/token", Form(new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = "portal", ["refresh_token"] = refresh!,
        }), TestContext.Current.CancellationToken);
        var body = await refreshed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, refreshed.StatusCode);
        Assert.Contains("invalid_grant", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoAccount_SignsIn_AndItsTokenWorksThroughTheGateway()
    {
        var organization = JsonDocument.Parse(await File.ReadAllTextAsync(SeedFile("organizations.json"), TestContext.Current.CancellationToken))
            .RootElement.GetProperty("organizations")[0].GetProperty("creditCode").GetString()!;

        var (access, _) = await SignInAsync($"viewer@{organization.ToLowerInvariant()}.demo", platform.DemoPassword);

        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(access.Split('.')[1])).RootElement;
        Assert.Equal("viewer", payload.GetProperty("role").GetString());
        Assert.Equal(organization, payload.GetProperty("org").GetString());
        Assert.Equal(HttpStatusCode.OK, await JsonStatusAsync(access));
    }

    private async Task<string> BadTokenAsync(string kind)
    {
        switch (kind)
        {
            case "expired":
                return await MintAsync(_ => { }, TimeSpan.FromMinutes(-20), TimeSpan.FromMinutes(10));
            case "not-yet-valid":
                return await MintAsync(_ => { }, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
            case "wrong-issuer":
                return await MintAsync(d => d.Issuer = "http://issuer.invalid/", TimeSpan.Zero, TimeSpan.FromMinutes(5));
            case "wrong-audience":
                return await MintAsync(d => d.Audience = "someone-else", TimeSpan.Zero, TimeSpan.FromMinutes(5));
            case "unknown-key":
                {
                    using var stranger = RSA.Create(2048);
                    var real = await platform.AdminTokenAsync();
                    var kid = Header(real).GetProperty("kid").GetString();
                    // A key the issuer never published: a key id its JWKS does not have (a refresh does not find it either).
                    return await MintAsync(_ => { }, TimeSpan.Zero, TimeSpan.FromMinutes(5), new RsaSecurityKey(stranger.ExportParameters(true)) { KeyId = "unknown-" + kid });
                }
            case "alg-none":
                {
                    var real = await platform.AdminTokenAsync();
                    var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
                    return $"{header}.{real.Split('.')[1]}.";
                }
            case "tampered":
                {
                    // A stranger's valid token, its org rewritten to another organisation's: the signature no longer matches.
                    var real = await platform.OwnerTokenAsync("stranger");
                    var parts = real.Split('.');
                    var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
                    payload["org"] = platform.Code("lab-host");
                    payload["role"] = "admin";
                    return $"{parts[0]}.{Base64UrlEncoder.Encode(payload.ToJsonString())}.{parts[2]}";
                }
            case "garbage":
                return "not-a-jwt";
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>An admin token signed with the identity service's own key (read from the data directory), issuer and key id as it sets them.</summary>
    private async Task<string> MintAsync(Action<SecurityTokenDescriptor> change, TimeSpan startIn, TimeSpan lifetime, SecurityKey? key = null)
    {
        var real = await platform.AdminTokenAsync();
        var realPayload = JsonDocument.Parse(Base64UrlEncoder.Decode(real.Split('.')[1])).RootElement;
        if (key is null)
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(await File.ReadAllTextAsync(platform.SigningKeyPath));
            key = new RsaSecurityKey(rsa) { KeyId = Header(real).GetProperty("kid").GetString() };
        }
        var start = DateTime.UtcNow + startIn;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = realPayload.GetProperty("iss").GetString(),
            Audience = "collaboration",
            Subject = new ClaimsIdentity([new Claim("sub", "forger"), new Claim("role", "admin")]),
            NotBefore = start,
            IssuedAt = start,
            Expires = start + lifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        };
        change(descriptor);
        var handler = new JwtSecurityTokenHandler { MapInboundClaims = false, SetDefaultTimesOnTokenCreation = false };
        return handler.WriteToken(handler.CreateJwtSecurityToken(descriptor));
    }

    private static JsonElement Header(string jwt) => JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.Split('.')[0])).RootElement;

    private async Task<HttpStatusCode> JsonStatusAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/alliances?pageSize=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await platform.GatewayHttp.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    private static FormUrlEncodedContent Form(Dictionary<string, string> fields) => new(fields);

    private static string SeedFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "seeds", "data", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException(name);
    }

    /// <summary>A person's authorization code flow with PKCE through the public client <c>portal</c>, as a browser does it.</summary>
    private async Task<(string Access, string? Refresh)> SignInAsync(string email, string password)
    {
        var ct = TestContext.Current.CancellationToken;
        const string redirect = "http://127.0.0.1/callback";
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = platform.IdentityUrl,
        };
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        using var first = await browser.GetAsync("/connect/authorize?client_id=portal&response_type=code&scope=openid%20offline_access"
            + $"&redirect_uri={Uri.EscapeDataString(redirect)}&state=s1&code_challenge={challenge}&code_challenge_method=S256", ct);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var page = await browser.GetStringAsync(first.Headers.Location!.ToString(), ct);
        var fields = HiddenField().Matches(page).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["email"] = email;
        fields["password"] = password;
        using var posted = await browser.PostAsync("/account/signin", Form(fields), ct);
        Assert.True(posted.StatusCode == HttpStatusCode.Redirect, $"sign-in of {email} answered {(int)posted.StatusCode}");
        using var back = await browser.GetAsync(posted.Headers.Location!.ToString(), ct);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(back.Headers.Location!.Query);
        using var redeemed = await browser.PostAsync("/connect/token", Form(new()
        {
            ["grant_type"] = "authorization_code", ["client_id"] = "portal", ["code"] = query["code"].ToString(),
            ["redirect_uri"] = redirect, ["code_verifier"] = verifier,
        }), ct);
        var body = await redeemed.Content.ReadAsStringAsync(ct);
        Assert.True(redeemed.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("access_token").GetString()!,
            json.RootElement.TryGetProperty("refresh_token", out var r) ? r.GetString() : null);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\">")]
    private static partial Regex HiddenField();
}
