using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Collaboration.Shared.Identity;

/// <summary>
/// The bearer-token handler of the gateway and every service: the standard JSON web token validation,
/// whose result is reused for the same token string until the token's own expiry. A client sends one
/// token for many calls (5-minute access tokens), so each token's signature is checked once per process
/// instead of once per call. Only valid results are kept; a different byte anywhere is a different key,
/// and an entry is never used at or after the token's <c>exp</c>.
/// </summary>
public sealed class ValidatedTokenCache : JsonWebTokenHandler
{
    /// <summary>Enough for every caller of a busy replica; when full it starts over (rare, and only costs re-validation).</summary>
    public const int MaxEntries = 20_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;

    public ValidatedTokenCache(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        MapInboundClaims = false;
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        if (_entries.TryGetValue(token, out var entry))
        {
            if (now < entry.ValidTo)
            {
                return entry.Result;
            }
            _entries.TryRemove(token, out _);
        }
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo > now)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }
            _entries[token] = new Entry(result, jwt.ValidTo);
        }
        return result;
    }

    private sealed record Entry(TokenValidationResult Result, DateTime ValidTo);
}
