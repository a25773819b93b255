using System.Net.Http.Json;
using Collaboration.Common.V1;
using Collaboration.Shared.Errors;
using Grpc.Core;
using Microsoft.Extensions.Caching.Memory;

namespace Collaboration.Shared.Identity;

/// <summary>An organisation as the identity service registers it: the facts a service stores instead of what a caller typed.</summary>
/// <param name="RegisteredAt">When it was registered in the directory (a stored copy of the name is "as registered on" this date or later).</param>
/// <param name="Division">Characters 3–8 of the credit code: where it was registered (GB/T 2260).</param>
/// <param name="InCity">Registered in the city (division 4313xx).</param>
public sealed record RegisteredOrganization(string CreditCode, string Name, OrganizationKind Kind, DateTimeOffset RegisteredAt,
    string Division, bool InCity);

public sealed class OrganizationDirectoryOptions
{
    public const string Section = "Directory";

    /// <summary>The identity service's base URL; empty means <c>Auth:Authority</c>.</summary>
    public string Url { get; set; } = "";

    /// <summary>How long a replica keeps an organisation it looked up. Unknown codes are never kept, so a newly registered organisation counts at once.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The organisation directory as every service reads it: the identity service's
/// <c>/api/organizations:batchGet</c> at <c>Directory:Url</c> (or <c>Auth:Authority</c>), asked with no
/// token: registered names, kinds and divisions are public facts. Found organisations stay in this replica's memory for
/// <see cref="OrganizationDirectoryOptions.CacheTtl"/>: they change rarely, the identity service cannot
/// reach the services' shared cache to invalidate it, and a renamed organisation showing its old name
/// for a few minutes costs nothing. A code the directory does not know is NOT_FOUND naming the request
/// field; the identity service unreachable (or none configured) is UNAVAILABLE.
/// </summary>
public sealed class OrganizationDirectory(IHttpClientFactory httpClients, OrganizationDirectoryOptions options) : IDisposable
{
    public const string HttpClientName = "collaboration-directory";

    /// <summary>The most codes one batch request to the identity service carries.</summary>
    public const int BatchSize = 100;
    private const int MaxCachedOrganizations = 20_000;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxCachedOrganizations });

    public Task<RegisteredOrganization> LookupAsync(ServerCallContext context, string creditCode, string field) =>
        LookupAsync(creditCode, field, context.CancellationToken);

    public async Task<RegisteredOrganization> LookupAsync(string creditCode, string field, CancellationToken ct) =>
        (await LookupManyAsync([(field, creditCode)], ct))[creditCode];

    /// <summary>
    /// Several organisations at once (cached ones from memory, the rest in one request per
    /// <see cref="BatchSize"/> codes), keyed by credit code. Each code comes with the request field it was
    /// read from; every unknown one is named in a single NOT_FOUND.
    /// </summary>
    public Task<IReadOnlyDictionary<string, RegisteredOrganization>> LookupManyAsync(ServerCallContext context,
        IReadOnlyList<(string Field, string CreditCode)> references) =>
        LookupManyAsync(references, context.CancellationToken);

    public async Task<IReadOnlyDictionary<string, RegisteredOrganization>> LookupManyAsync(
        IReadOnlyList<(string Field, string CreditCode)> references, CancellationToken ct)
    {
        var violations = new FieldViolations();
        foreach (var (field, code) in references)
        {
            violations.CreditCode(field, code);
        }
        violations.ThrowIfAny();

        var found = new Dictionary<string, RegisteredOrganization>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var code in references.Select(r => r.CreditCode).Distinct(StringComparer.Ordinal))
        {
            if (_cache.TryGetValue(code, out RegisteredOrganization? cached))
            {
                found[code] = cached!;
            }
            else
            {
                missing.Add(code);
            }
        }
        if (missing.Count > 0)
        {
            if (string.IsNullOrWhiteSpace(options.Url))
            {
                ApiErrors.Unavailable("No organisation directory is configured (Directory:Url or Auth:Authority names the identity service).");
            }
            foreach (var chunk in missing.Chunk(BatchSize))
            {
                foreach (var organization in await FetchAsync(chunk, ct))
                {
                    found[organization.CreditCode] = organization;
                    _cache.Set(organization.CreditCode, organization, new MemoryCacheEntryOptions
                    {
                        AbsoluteExpirationRelativeToNow = options.CacheTtl, Size = 1,
                    });
                }
            }
        }
        var unknown = references.Where(r => !found.ContainsKey(r.CreditCode)).Select(r => (r.Field, $"organizations/{r.CreditCode}")).ToList();
        if (unknown.Count > 0)
        {
            ApiErrors.ReferencesNotFound(unknown);
        }
        return found;
    }

    private async Task<IEnumerable<RegisteredOrganization>> FetchAsync(IReadOnlyList<string> codes, CancellationToken ct)
    {
        var http = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get,
            "api/organizations:batchGet?" + string.Join('&', codes.Select(c => "codes=" + Uri.EscapeDataString(c))));
        try
        {
            using var response = await http.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
            var answer = await response.Content.ReadFromJsonAsync<BatchAnswer>(ct);
            return (answer?.Organizations ?? []).Select(o => new RegisteredOrganization(o.Code, o.Name, Caller.Kind(o.Kind), o.RegisteredAt,
                o.Division, o.InCity));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.ExecutionRejectedException or System.Text.Json.JsonException
            && !ct.IsCancellationRequested)
        {
            ApiErrors.Unavailable("The organisation directory (identity service) could not be reached; try again.");
            return [];
        }
    }

    public void Dispose() => _cache.Dispose();

    private sealed record BatchAnswer(List<OrganizationAnswer>? Organizations);

    private sealed record OrganizationAnswer(string Code, string Name, string Kind, DateTimeOffset RegisteredAt, string Division, bool InCity);
}
