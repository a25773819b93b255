// The catalogue API (紧缺急需人才目录), one partial file per resource family:
//   CatalogueGrpcService.Editions.cs  catalogueEditions/{year}: get, list, compile, publish, compare, audit trail
//   CatalogueGrpcService.Entries.cs   catalogueEditions/{year}/entries/{occupation}~{chain}: get, list, adjust band and note
//   CatalogueGrpcService.Loop.cs      an entry's figures from demand to supply, read live
// This file: what they share. Who may read an edition is EditionLifecycle.CanRead (published and superseded editions are
// public, anonymous callers included; drafts are the admins'); CatalogueStore's lists apply the same rule.

using Collaboration.Shared.Validation;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Talent.Data;
using Collaboration.Talent.Model;
using Collaboration.Talent.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Collaboration.Talent.Grpc;

/// <summary>The catalogue API: each method validates, checks who may act, acts, and maps back.</summary>
public sealed partial class CatalogueGrpcService(CatalogueStore store, WriteRunner writes, ResourceCache cache, CodeLists codeLists,
    TrainingSupplyReader supply, BandThresholds thresholds) : CatalogueService.CatalogueServiceBase
{
    private const int MinYear = 2020;
    private const int MaxYear = 2100;
    private const int MaxNoteLength = 2000;

    /// <summary>The signed-in caller, or null for an anonymous one (public reads only).</summary>
    private static Caller? CallerOrAnonymous(ServerCallContext context) =>
        context.GetHttpContext().User.Identity?.IsAuthenticated == true ? Caller.From(context) : null;

    private static void RequireAdmin(Caller caller, string what)
    {
        if (!caller.IsAdmin)
        {
            ApiErrors.PermissionDenied($"Only the city's admins {what}.");
        }
    }

    /// <summary>An edition (cached: published editions are read by everyone and change only when superseded).</summary>
    private async Task<CatalogueEdition?> ReadEditionAsync(int year, CancellationToken cancellationToken)
    {
        var key = EditionCacheKey(year);
        if (await cache.GetAsync(key) is { } cached)
        {
            return CatalogueEdition.Parser.ParseFrom(cached);
        }
        var row = await store.FindEditionAsync(year, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var edition = row.ToProto();
        await cache.SetAsync(key, edition.ToByteArray());
        return edition;
    }

    /// <summary>The edition when the caller may read it; NOT_FOUND otherwise (a draft does not exist for the public).</summary>
    private async Task<CatalogueEdition> RequireReadableAsync(Caller? caller, int year, string name, CancellationToken cancellationToken)
    {
        var edition = await ReadEditionAsync(year, cancellationToken);
        if (edition is null || !EditionLifecycle.CanRead(caller, edition.State))
        {
            ApiErrors.NotFound(name);
        }
        return edition;
    }

    private static int ParseEditionName(string name, string field)
    {
        if (!CatalogueNames.TryParseEdition(name, out var year))
        {
            ApiErrors.InvalidArgument(field, "must look like catalogueEditions/{year}.");
        }
        return year;
    }

    private static string EditionCacheKey(int year) => $"catalogue-edition:{year}";
}
