using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Google.Protobuf;
using Npgsql;

namespace Collaboration.Apprenticeships.Grpc;

/// <summary>
/// Who may see a cohort, the one way every handler (and both imports) asks: the visibility rule
/// (<see cref="CohortAccess.CanRead"/>) or a partner grant of the college (<see cref="GrantChecker"/>);
/// NOT_FOUND otherwise, so a refusal never reveals a cohort. Reads go through the shared <see cref="ResourceCache"/>.
/// </summary>
public sealed class CohortGate(CohortStore store, ResourceCache cache, GrantChecker grants)
{
    /// <summary>The cache key of a cohort; every write that changes one invalidates it.</summary>
    public static string CacheKey(Guid id) => $"cohort:{id:D}";

    /// <summary>The cohort when the caller may see it; NOT_FOUND otherwise.</summary>
    public async Task<Cohort> ReadableAsync(HttpContext http, Caller caller, Guid id, string name, CancellationToken cancellationToken)
    {
        var key = CacheKey(id);
        Cohort? cohort = null;
        if (await cache.GetAsync(key) is { } cached)
        {
            cohort = Cohort.Parser.ParseFrom(cached);
        }
        else if (await store.FindAsync(id, cancellationToken) is { } row)
        {
            cohort = row.ToProto();
            await cache.SetAsync(key, cohort.ToByteArray());
        }
        if (cohort is null || !await grants.CanReadAsync(http, caller, CohortNames.Cohort(id), cohort.College.CreditCode,
                CohortAccess.CanRead(caller, cohort.College.CreditCode, cohort.Sponsors.Select(s => s.Organization.CreditCode)), cancellationToken))
        {
            ApiErrors.NotFound(name);
        }
        return cohort;
    }

    /// <summary>Locks the cohort for the rest of the transaction; NOT_FOUND when it does not exist or the caller may not see it.</summary>
    public async Task<CohortRow> LockVisibleAsync(HttpContext http, Caller caller, NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid id, string name, CancellationToken cancellationToken)
    {
        var row = await CohortStore.LockAsync(connection, transaction, id);
        if (row is null || !await grants.CanReadAsync(http, caller, CohortNames.Cohort(id), row.CollegeCode,
                CohortAccess.CanRead(caller, row.CollegeCode, row.AllSponsorCodes), cancellationToken))
        {
            ApiErrors.NotFound(name);
        }
        return row;
    }
}
