using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Collaboration.Portal.Auth;

/// <summary>The tokens a session holds, and when the access token expires.</summary>
public sealed record TokenSet(string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt);

/// <summary>An organisation as the identity service's directory registers it.</summary>
public sealed record RegisteredOrganization(string Code, string Name, string Kind);

/// <summary>
/// What the portal asks the identity service itself, as its confidential client: refreshing and revoking a session's
/// tokens, and the directory's public facts about an organisation (its registered name and kind).
/// </summary>
public sealed class IdentityClient(HttpClient http, IOptions<PortalOptions> options, TimeProvider time)
{
    public async Task<TokenSet?> RefreshAsync(string refreshToken, CancellationToken ct)
    {
        using var response = await http.PostAsync("connect/token", Form(new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        }), ct);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        var body = await response.Content.ReadFromJsonAsync<TokenResponse>(ct);
        return body?.AccessToken is null
            ? null
            : new TokenSet(body.AccessToken, body.RefreshToken ?? refreshToken, time.GetUtcNow().AddSeconds(body.ExpiresIn));
    }

    /// <summary>Revokes a refresh token (sign-out): it cannot be exchanged again, whoever holds a copy.</summary>
    public async Task<bool> RevokeAsync(string refreshToken, CancellationToken ct)
    {
        using var response = await http.PostAsync("connect/revoke", Form(new()
        {
            ["token"] = refreshToken,
            ["token_type_hint"] = "refresh_token",
        }), ct);
        return response.IsSuccessStatusCode;
    }

    public async Task<RegisteredOrganization?> OrganizationAsync(string code, CancellationToken ct)
    {
        using var response = await http.GetAsync($"api/organizations/{Uri.EscapeDataString(code)}", ct);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<RegisteredOrganization>(ct) : null;
    }

    private FormUrlEncodedContent Form(Dictionary<string, string> fields)
    {
        fields["client_id"] = options.Value.ClientId;
        fields["client_secret"] = options.Value.ClientSecret;
        return new FormUrlEncodedContent(fields);
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);

    internal static string Format(DateTimeOffset at) => at.ToString("o", CultureInfo.InvariantCulture);
}
