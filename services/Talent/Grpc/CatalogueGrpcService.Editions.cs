// Catalogue editions (catalogueEditions/{year}): read, list, compile, publish, compare, read the audit trail.
//
// RPC                       | SQL: Data/CatalogueStore.cs                                         | rule: Model/
// GetCatalogueEdition       | FindEditionAsync (cached)                                           | EditionLifecycle.CanRead (anonymous: public states)
// ListCatalogueEditions     | ListEditionsAsync                                                   | EditionLifecycle.PublicStates
// CompileCatalogueEdition   | LockEditionAsync, DemandAsync, TrainingSupplyReader (gRPC), UpsertDraftAsync, ReplaceEntriesAsync | EditionLifecycle.Next(Compile), ShortageIndex, CatalogueBanding, BandThresholds
// PublishCatalogueEdition   | LockEditionAsync, LockPublishedAsync, PublishAsync, SupersedeAsync  | EditionLifecycle.Next(Publish / Supersede)
// CompareCatalogueEditions  | AllEntriesAsync ×2                                                  | EditionLifecycle.CanRead of both
// ListCatalogueAuditEntries | AuditLog.PageAsync (Shared)                                         | admins only

using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Talent.Data;
using Collaboration.Talent.Model;
using Collaboration.Talent.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using State = Collaboration.Talent.V1.CatalogueEdition.Types.State;

namespace Collaboration.Talent.Grpc;

public sealed partial class CatalogueGrpcService
{
    [AllowAnonymous]
    public override async Task<CatalogueEdition> GetCatalogueEdition(GetCatalogueEditionRequest request, ServerCallContext context)
    {
        var caller = CallerOrAnonymous(context);
        var year = ParseEditionName(request.Name, "name");
        return await RequireReadableAsync(caller, year, request.Name, context.CancellationToken);
    }

    [AllowAnonymous]
    public override async Task<ListCatalogueEditionsResponse> ListCatalogueEditions(ListCatalogueEditionsRequest request, ServerCallContext context)
    {
        var caller = CallerOrAnonymous(context);
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        var fingerprint = Page.Fingerprint(request.State, "editions");
        var after = Page.AfterLong(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        var rows = await store.ListEditionsAsync(caller, (short)request.State, (int)(after ?? 0), size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), fingerprint);
        return new ListCatalogueEditionsResponse { NextPageToken = next, CatalogueEditions = { items.Select(r => r.ToProto()) } };
    }

    public override async Task<CatalogueEdition> CompileCatalogueEdition(CompileCatalogueEditionRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Range("year", request.Year, MinYear, MaxYear);
        violations.ThrowIfAny();
        RequireAdmin(caller, "compile the catalogue");
        var name = CatalogueNames.Edition(request.Year);
        var call = new WriteCall(nameof(CompileCatalogueEdition), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            // Inside the write: a retry with the same request id is answered from the stored response (even after the edition
            // was published, or while the other service is down), and the edition's row lock serialises compilations of a year.
            var locked = await CatalogueStore.LockEditionAsync(connection, transaction, request.Year);
            if (locked is not null && EditionLifecycle.Next(locked.EditionState, EditionAction.Compile) is null)
            {
                ApiErrors.InvalidState(name, nameof(CompileCatalogueEdition), locked.EditionState.ToString());
            }
            var demand = await store.DemandAsync(request.Year, context.CancellationToken);
            var supplied = await supply.ReadAsync(context, Shared.Data.Dates.Today);
            var (scarce, urgent) = thresholds.Validated();
            var entries = CompileEntries(request.Year, demand, supplied, scarce, urgent);
            var edition = await CatalogueStore.UpsertDraftAsync(connection, transaction, request.Year, (short)State.Draft, entries.Count, scarce, urgent);
            await CatalogueStore.ReplaceEntriesAsync(connection, transaction, request.Year, entries);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(CompileCatalogueEdition),
                locked?.EditionState.ToString() ?? "", State.Draft.ToString(),
                $"{entries.Count} entries from {demand.Sum(d => d.TotalDemand)} declared people; thresholds {ShortageIndex.Format(scarce)}/{ShortageIndex.Format(urgent)}");
            return edition.ToProto();
        }, [EditionCacheKey(request.Year)], context.CancellationToken);
    }

    private List<EntryRow> CompileEntries(int year, IReadOnlyList<DemandRow> demand,
        IReadOnlyDictionary<(string Occupation, string Chain), Collaboration.Apprenticeships.V1.TrainingSupplyGroup> supplied, long scarce, long urgent)
    {
        var titles = codeLists.Occupations.GetValueOrDefault(codeLists.LatestOccupationVersion)?.Titles ?? new Dictionary<string, string>();
        return demand.Select(d =>
        {
            var group = supplied.GetValueOrDefault((d.OccupationCode, d.IndustryChain));
            var seats = group?.Seats ?? 0;
            var placed = group?.PlacedInCity ?? 0;
            var index = ShortageIndex.Of(d.TotalDemand, seats + placed);
            return new EntryRow
            {
                Year = year,
                OccupationCode = d.OccupationCode,
                IndustryChain = d.IndustryChain,
                OccupationTitle = titles.GetValueOrDefault(d.OccupationCode, ""),
                TotalDemand = d.TotalDemand,
                DeclaringEnterprises = d.DeclaringEnterprises,
                PayMinYuan = d.PayMinYuan,
                PayMaxYuan = d.PayMaxYuan,
                SupplySeats = seats,
                SupplyGraduatesPlaced = placed,
                IndexHundredths = index.NoSupply ? null : index.Hundredths,
                ComputedBand = (short)CatalogueBanding.BandOf(index, scarce, urgent),
            };
        }).ToList();
    }

    public override async Task<CatalogueEdition> PublishCatalogueEdition(PublishCatalogueEditionRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!CatalogueNames.TryParseEdition(request.Name, out var year))
        {
            violations.Add("name", "must look like catalogueEditions/{year}.");
        }
        violations.ThrowIfAny();
        var invalidated = new List<string> { EditionCacheKey(year) };
        var call = new WriteCall(nameof(PublishCatalogueEdition), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await CatalogueStore.LockEditionAsync(connection, transaction, year);
            if (row is null || !EditionLifecycle.CanRead(caller, row.EditionState))
            {
                ApiErrors.NotFound(request.Name);
            }
            RequireAdmin(caller, "publish the catalogue");
            ApiErrors.CheckEtag(request.Etag, row.Etag, request.Name);
            if (EditionLifecycle.Next(row.EditionState, EditionAction.Publish) is not { } next)
            {
                ApiErrors.InvalidState(request.Name, nameof(PublishCatalogueEdition), row.EditionState.ToString());
                return null!;
            }
            var published = await CatalogueStore.LockPublishedAsync(connection, transaction, (short)State.Published);
            if (published.FirstOrDefault(p => p.Year > year) is { } later)
            {
                ApiErrors.FailedPrecondition("LATER_EDITION_PUBLISHED",
                    $"{CatalogueNames.Edition(later.Year)} is already published; an earlier year's edition cannot be published after it.");
            }
            foreach (var earlier in published)
            {
                var earlierName = CatalogueNames.Edition(earlier.Year);
                var superseded = EditionLifecycle.Next(earlier.EditionState, EditionAction.Supersede)!.Value;
                await CatalogueStore.SupersedeAsync(connection, transaction, earlier.Year, (short)superseded, year);
                await AuditLog.WriteAsync(connection, transaction, caller, earlierName, earlierName, nameof(PublishCatalogueEdition),
                    earlier.EditionState.ToString(), superseded.ToString(), $"superseded by {request.Name}");
                invalidated.Add(EditionCacheKey(earlier.Year));
            }
            var updated = await CatalogueStore.PublishAsync(connection, transaction, year, (short)next);
            await AuditLog.WriteAsync(connection, transaction, caller, request.Name, request.Name, nameof(PublishCatalogueEdition),
                row.EditionState.ToString(), next.ToString());
            return updated.ToProto();
        }, invalidated, context.CancellationToken);
    }

    [AllowAnonymous]
    public override async Task<CompareCatalogueEditionsResponse> CompareCatalogueEditions(CompareCatalogueEditionsRequest request, ServerCallContext context)
    {
        var caller = CallerOrAnonymous(context);
        var violations = new FieldViolations();
        if (!CatalogueNames.TryParseEdition(request.Base, out var baseYear))
        {
            violations.Add("base", "must look like catalogueEditions/{year}.");
        }
        if (!CatalogueNames.TryParseEdition(request.Target, out var targetYear))
        {
            violations.Add("target", "must look like catalogueEditions/{year}.");
        }
        violations.ThrowIfAny();
        await RequireReadableAsync(caller, baseYear, request.Base, context.CancellationToken);
        await RequireReadableAsync(caller, targetYear, request.Target, context.CancellationToken);

        var before = (await store.AllEntriesAsync(baseYear, context.CancellationToken)).ToDictionary(e => (e.OccupationCode, e.IndustryChain));
        var after = (await store.AllEntriesAsync(targetYear, context.CancellationToken)).ToDictionary(e => (e.OccupationCode, e.IndustryChain));
        var response = new CompareCatalogueEditionsResponse();
        response.Added.AddRange(after.Where(e => !before.ContainsKey(e.Key)).Select(e => e.Value.ToProto()));
        response.Removed.AddRange(before.Where(e => !after.ContainsKey(e.Key)).Select(e => e.Value.ToProto()));
        foreach (var (key, entry) in after)
        {
            if (before.TryGetValue(key, out var earlier))
            {
                var (from, to) = (earlier.ToProto().Band, entry.ToProto().Band);
                if (from != to)
                {
                    response.Moved.Add(new BandChange { OccupationCode = key.OccupationCode, IndustryChain = key.IndustryChain, FromBand = from, ToBand = to });
                }
            }
        }
        return response;
    }

    public override async Task<ListCatalogueAuditEntriesResponse> ListCatalogueAuditEntries(ListCatalogueAuditEntriesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var year = ParseEditionName(request.Parent, "parent");
        var (entries, next) = await AuditLog.PageAsync(store.DataSource, request.Parent, request.PageSize, request.PageToken, async () =>
        {
            await RequireReadableAsync(caller, year, request.Parent, context.CancellationToken);
            RequireAdmin(caller, "read the catalogue's audit trail");
        }, context.CancellationToken);
        return new ListCatalogueAuditEntriesResponse { NextPageToken = next, AuditEntries = { entries } };
    }
}
