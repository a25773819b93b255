// Catalogue entries (catalogueEditions/{year}/entries/{occupation_code}~{industry_chain}): read, list, adjust.
//
// RPC                  | SQL: Data/CatalogueStore.cs       | rule: Model/
// GetCatalogueEntry    | FindEntryAsync                    | EditionLifecycle.CanRead of its edition
// ListCatalogueEntries | ListEntriesAsync                  | EditionLifecycle.CanRead of its edition
// UpdateCatalogueEntry | LockEditionAsync, LockEntryAsync, UpdateEntryAsync | EditionLifecycle.IsEditable; admins only

using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Collaboration.Talent.Data;
using Collaboration.Talent.Model;
using Collaboration.Talent.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Collaboration.Talent.Grpc;

public sealed partial class CatalogueGrpcService
{
    private static readonly HashSet<string> EntryUpdatablePaths = ["band", "note"];

    [AllowAnonymous]
    public override async Task<CatalogueEntry> GetCatalogueEntry(GetCatalogueEntryRequest request, ServerCallContext context)
    {
        var caller = CallerOrAnonymous(context);
        if (!CatalogueNames.TryParseEntry(request.Name, out var year, out var occupation, out var chain))
        {
            ApiErrors.InvalidArgument("name", "must look like catalogueEditions/{year}/entries/{occupation_code}~{industry_chain}.");
        }
        var edition = await ReadEditionAsync(year, context.CancellationToken);
        var entry = edition is not null && EditionLifecycle.CanRead(caller, edition.State)
            ? await store.FindEntryAsync(year, occupation, chain, context.CancellationToken)
            : null;
        if (entry is null)
        {
            ApiErrors.NotFound(request.Name);
        }
        return entry.ToProto();
    }

    [AllowAnonymous]
    public override async Task<ListCatalogueEntriesResponse> ListCatalogueEntries(ListCatalogueEntriesRequest request, ServerCallContext context)
    {
        var caller = CallerOrAnonymous(context);
        var year = ParseEditionName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.Text("industry_chain", request.IndustryChain, 64, required: false);
        violations.DefinedEnum("band", request.Band, required: false);
        var fingerprint = Page.Fingerprint(request.Parent, request.IndustryChain, request.Band);
        var afterKey = Page.After(request.PageToken, fingerprint, violations);
        (string, string)? after = null;
        if (afterKey is not null)
        {
            var parts = afterKey.Split('~', 2);
            if (parts.Length == 2)
            {
                after = (parts[0], parts[1]);
            }
            else
            {
                violations.Add("page_token", "is not a page token this service issued.");
            }
        }
        violations.ThrowIfAny();
        await RequireReadableAsync(caller, year, request.Parent, context.CancellationToken);
        var rows = await store.ListEntriesAsync(year, request.IndustryChain, (short)request.Band, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => CatalogueNames.EntryId(r.OccupationCode, r.IndustryChain), fingerprint);
        return new ListCatalogueEntriesResponse { NextPageToken = next, Entries = { items.Select(r => r.ToProto()) } };
    }

    public override async Task<CatalogueEntry> UpdateCatalogueEntry(UpdateCatalogueEntryRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Entry ?? new CatalogueEntry();
        if (!CatalogueNames.TryParseEntry(patch.Name, out var year, out var occupation, out var chain))
        {
            ApiErrors.InvalidArgument("entry.name", "must look like catalogueEditions/{year}/entries/{occupation_code}~{industry_chain}.");
        }
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, EntryUpdatablePaths, violations, inferWhenEmpty: false);
        if (paths.Contains("band"))
        {
            violations.DefinedEnum("entry.band", patch.Band, required: false);
        }
        if (paths.Contains("note"))
        {
            violations.Text("entry.note", patch.Note, MaxNoteLength, required: false);
        }
        violations.ThrowIfAny();

        var editionName = CatalogueNames.Edition(year);
        var call = new WriteCall(nameof(UpdateCatalogueEntry), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var edition = await CatalogueStore.LockEditionAsync(connection, transaction, year);
            var row = edition is not null && EditionLifecycle.CanRead(caller, edition.EditionState)
                ? await CatalogueStore.LockEntryAsync(connection, transaction, year, occupation, chain)
                : null;
            if (row is null)
            {
                ApiErrors.NotFound(patch.Name);
            }
            RequireAdmin(caller, "adjust the catalogue");
            ApiErrors.CheckEtag(patch.Etag, row.Etag, patch.Name);
            if (!EditionLifecycle.IsEditable(edition!.EditionState))
            {
                ApiErrors.InvalidState(editionName, nameof(UpdateCatalogueEntry), edition.EditionState.ToString());
            }
            var before = row.ToProto();
            if (paths.Contains("band"))
            {
                row.BandOverride = patch.Band == Band.Unspecified || (short)patch.Band == row.ComputedBand ? null : (short)patch.Band;
            }
            if (paths.Contains("note"))
            {
                row.Note = patch.Note.Trim();
            }
            var updated = await CatalogueStore.UpdateEntryAsync(connection, transaction, row);
            var after = updated.ToProto();
            await AuditLog.WriteAsync(connection, transaction, caller, editionName, patch.Name, nameof(UpdateCatalogueEntry),
                before.Band.ToString(), after.Band.ToString(), string.Join(",", paths));
            return after;
        }, [], context.CancellationToken);
    }
}
