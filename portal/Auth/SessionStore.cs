using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Memory;

namespace Collaboration.Portal.Auth;

/// <summary>
/// Keeps each session's ticket (claims and the access, refresh and id tokens) in the portal's memory; the browser's
/// cookie carries only the key. Tokens never reach the browser, and a removed session is gone for every copy of the cookie.
/// </summary>
public sealed class SessionStore(IMemoryCache cache, TimeProvider time) : ITicketStore
{
    private const string Prefix = "session:";

    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Guid.NewGuid().ToString("N");
        Put(key, ticket);
        return Task.FromResult(key);
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        Put(key, ticket);
        return Task.CompletedTask;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) =>
        Task.FromResult(cache.TryGetValue(Prefix + key, out AuthenticationTicket? ticket) ? ticket : null);

    public Task RemoveAsync(string key)
    {
        cache.Remove(Prefix + key);
        return Task.CompletedTask;
    }

    private void Put(string key, AuthenticationTicket ticket)
    {
        var expires = ticket.Properties.ExpiresUtc ?? time.GetUtcNow().AddHours(8);
        cache.Set(Prefix + key, ticket, new MemoryCacheEntryOptions { AbsoluteExpiration = expires });
    }
}
