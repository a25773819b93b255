using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Collaboration.Shared.Errors;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Collaboration.Shared.Identity;

/// <summary>
/// The one way every service honours partner grants: what role a caller holds on one record owned
/// by an organisation. Acting for the owner gives the caller's own role, an admin is an admin, and
/// otherwise the identity service is asked (with the caller's own token, so nobody can ask on
/// another organisation's behalf) whether the owner granted the caller's organisation editor or
/// viewer rights on that record; a grant never lifts a person above their role in their own
/// organisation. Nothing is cached: a grant works, and a revocation bites, on the partner's next call; the
/// lookup happens only when the service's own visibility rule has already said no.
/// Without <c>Auth:Authority</c> (the development key) there are no grants.
/// </summary>
public sealed class GrantChecker(IHttpClientFactory httpClients, AuthOptions options)
{
    public const string HttpClientName = "collaboration-identity";

    public Task<CallerRole?> RoleOnAsync(ServerCallContext context, Caller caller, string resource, string ownerOrganization) =>
        RoleOnAsync(context.GetHttpContext(), caller, resource, ownerOrganization, context.CancellationToken);

    /// <summary>The same for a plain HTTP endpoint (asked with the request's own bearer token).</summary>
    public Task<CallerRole?> RoleOnAsync(HttpContext http, Caller caller, string resource, string ownerOrganization, CancellationToken ct) =>
        RoleOnAsync(caller, BearerToken(http.Request.Headers.Authorization.ToString()), resource, ownerOrganization, ct);

    public async Task<CallerRole?> RoleOnAsync(Caller caller, string? bearerToken, string resource, string ownerOrganization, CancellationToken ct)
    {
        if (caller.IsAdmin)
        {
            return CallerRole.Admin;
        }
        if (caller.ActsFor(ownerOrganization))
        {
            return caller.Role;
        }
        if (!options.UsesAuthority || string.IsNullOrEmpty(bearerToken) || caller.Organization.Length == 0)
        {
            return null;
        }
        return await AskAsync(bearerToken, resource, ownerOrganization, ct);
    }

    /// <summary>
    /// Read access to one record: true when the service's own visibility rule already shows it to the
    /// caller (no lookup), or the caller's organisation holds a live grant on it.
    /// </summary>
    public ValueTask<bool> CanReadAsync(ServerCallContext context, Caller caller, string resource, string ownerOrganization,
        bool visibleByRule) =>
        CanReadAsync(context.GetHttpContext(), caller, resource, ownerOrganization, visibleByRule, context.CancellationToken);

    public async ValueTask<bool> CanReadAsync(HttpContext http, Caller caller, string resource, string ownerOrganization,
        bool visibleByRule, CancellationToken ct) =>
        visibleByRule || CanRead(await RoleOnAsync(http, caller, resource, ownerOrganization, ct));

    /// <summary>
    /// Content edits of one record: an owner or editor acting for the owner organisation, or a caller whose
    /// organisation holds a live editor grant on it (capped by the caller's own role). Anyone else gets
    /// PERMISSION_DENIED when they can see the record and NOT_FOUND when they cannot, so a refusal never
    /// reveals a record. Lifecycle steps, membership and ownership stay with the owner: they do not call this.
    /// </summary>
    public async ValueTask EnsureCanEditAsync(ServerCallContext context, Caller caller, string resource, string ownerOrganization,
        bool visibleByRule, string deniedMessage)
    {
        if (caller.CanEditFor(ownerOrganization))
        {
            return;
        }
        if (caller.IsAdmin || caller.ActsFor(ownerOrganization))
        {
            ApiErrors.PermissionDenied(deniedMessage);
        }
        var role = await RoleOnAsync(context, caller, resource, ownerOrganization);
        if (CanWrite(role))
        {
            return;
        }
        if (visibleByRule || role is not null)
        {
            ApiErrors.PermissionDenied(deniedMessage);
        }
        ApiErrors.NotFound(resource);
    }

    /// <summary>
    /// The records of one collection ("alliances", "labs", …) that other organisations granted the caller's organisation,
    /// each with the organisation that granted it: a List's "shared with me" filter keeps a record only when its owner is
    /// that organisation, as Get does. Asked per call with the caller's own token, like Get, so a revocation bites on the
    /// next list. Admins, callers without an organisation and the development key have none.
    /// </summary>
    public async Task<SharedRecords> SharedWithCallerAsync(ServerCallContext context, Caller caller, string collection)
    {
        var bearerToken = BearerToken(context.GetHttpContext().Request.Headers.Authorization.ToString());
        if (caller.IsAdmin || !options.UsesAuthority || string.IsNullOrEmpty(bearerToken) || caller.Organization.Length == 0)
        {
            return SharedRecords.None;
        }
        var http = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/grants/received?collection={Uri.EscapeDataString(collection)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        var ct = context.CancellationToken;
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return SharedRecords.None;
            }
            response.EnsureSuccessStatusCode();
            var received = await response.Content.ReadFromJsonAsync<List<ReceivedGrant>>(ct) ?? [];
            return SharedRecords.From(collection, received.Select(g => (g.Resource, g.Owner)));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            ApiErrors.Unavailable("The identity service could not be asked about partner grants; try again.");
            return SharedRecords.None;
        }
    }

    /// <summary>Whether the caller may read (any role) or write (editor and above) the record.</summary>
    public static bool CanRead(CallerRole? role) => role is not null;

    public static bool CanWrite(CallerRole? role) => role is CallerRole.Editor or CallerRole.Owner or CallerRole.Admin;

    private async Task<CallerRole?> AskAsync(string bearerToken, string resource, string ownerOrganization, CancellationToken ct)
    {
        var http = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"api/grants/check?resource={Uri.EscapeDataString(resource)}&owner={Uri.EscapeDataString(ownerOrganization)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        try
        {
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return null;
            }
            response.EnsureSuccessStatusCode();
            var answer = await response.Content.ReadFromJsonAsync<GrantCheckAnswer>(ct);
            return answer?.EffectiveRole switch
            {
                "editor" => CallerRole.Editor,
                "viewer" => CallerRole.Viewer,
                _ => null,
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            ApiErrors.Unavailable("The identity service could not be asked about partner grants; try again.");
            return null;
        }
    }

    private static string? BearerToken(string header) =>
        header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;

    private sealed record GrantCheckAnswer(string? EffectiveRole);

    private sealed record ReceivedGrant(string Resource, string Owner);
}

/// <summary>
/// Records of one collection granted to the caller's organisation, as parallel arrays a List's SQL takes as parameters
/// (<c>unnest(@sharedIds, @sharedOwners)</c>): the record's id and the organisation that granted it.
/// </summary>
public sealed record SharedRecords(Guid[] Ids, string[] Owners)
{
    public static readonly SharedRecords None = new([], []);

    public bool IsEmpty => Ids.Length == 0;

    public static SharedRecords From(string collection, IEnumerable<(string Resource, string Owner)> grants)
    {
        var prefix = collection + "/";
        var ids = new List<Guid>();
        var owners = new List<string>();
        foreach (var (resource, owner) in grants)
        {
            // Grants name any string shaped like a resource; only a record's canonical name counts, as only it counts on Get.
            if (resource.StartsWith(prefix, StringComparison.Ordinal) && Guid.TryParseExact(resource.AsSpan(prefix.Length), "D", out var id)
                && resource.AsSpan(prefix.Length).SequenceEqual(id.ToString("D")))
            {
                ids.Add(id);
                owners.Add(owner);
            }
        }
        return new SharedRecords([.. ids], [.. owners]);
    }
}
