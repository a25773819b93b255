using Collaboration.Shared.Identity;
using Collaboration.TestSupport;
using Microsoft.IdentityModel.Tokens;

namespace Collaboration.Shared.Tests;

/// <summary>Reusing a validated token must never accept what validation would refuse.</summary>
public sealed class ValidatedTokenCacheTests
{
    private static TokenValidationParameters Parameters() => new()
    {
        ValidIssuer = Tokens.Options.Issuer,
        ValidAudience = Tokens.Options.Audience,
        IssuerSigningKey = Tokens.Options.Key(),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.Zero,
        RequireExpirationTime = true,
    };

    [Fact]
    public async Task SameToken_SecondCallIsTheCachedResult()
    {
        var handler = new ValidatedTokenCache();
        var token = Tokens.For(Organizations.NewCode("91"), "enterprise");

        var first = await handler.ValidateTokenAsync(token, Parameters());
        var second = await handler.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task CachedToken_IsRefusedOnceItExpires()
    {
        var handler = new ValidatedTokenCache();
        var token = JwtAuthentication.MintToken(Tokens.Options, "short@test", null, null, "admin", TimeSpan.FromSeconds(2));

        Assert.True((await handler.ValidateTokenAsync(token, Parameters())).IsValid);
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);

        var later = await handler.ValidateTokenAsync(token, Parameters());
        Assert.False(later.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(later.Exception);
    }

    [Fact]
    public async Task TamperedCopyOfACachedToken_IsValidatedAndRefused()
    {
        var handler = new ValidatedTokenCache();
        var token = Tokens.For(Organizations.NewCode("91"), "enterprise", "viewer");
        Assert.True((await handler.ValidateTokenAsync(token, Parameters())).IsValid);

        var parts = token.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"viewer\"", "\"admin\"", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        Assert.False((await handler.ValidateTokenAsync(tampered, Parameters())).IsValid);
    }
}
