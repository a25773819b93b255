// The loop from demand to supply for one catalogue entry (catalogueEditions/{year}/entries/{id}:figures).
//
// RPC                      | SQL / call                                                    | rule: Model/
// GetCatalogueEntryFigures | CatalogueStore.FindEntryAsync; TrainingSupplyReader (gRPC, live) | EditionLifecycle.CanRead; admins (the supply is read with their token)

using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Talent.Data;
using Collaboration.Talent.Model;
using Collaboration.Talent.V1;
using Grpc.Core;

namespace Collaboration.Talent.Grpc;

public sealed partial class CatalogueGrpcService
{
    public override async Task<CatalogueEntryFigures> GetCatalogueEntryFigures(GetCatalogueEntryFiguresRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
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
        RequireAdmin(caller, "read the loop's figures (the city-wide training supply)");
        var asOf = Dates.Today;
        var group = (await supply.ReadAsync(context, asOf, occupation, chain)).GetValueOrDefault((occupation, chain));
        var seats = group?.Seats ?? 0;
        var placed = group?.PlacedInCity ?? 0;
        return new CatalogueEntryFigures
        {
            Name = request.Name,
            AsOf = asOf.ToProto(),
            DeclaredDemand = entry.TotalDemand,
            CohortsInTraining = group?.CohortsInTraining ?? 0,
            Seats = seats,
            Enrolled = group?.Enrolled ?? 0,
            Graduates = group?.Graduates ?? 0,
            PlacedInCity = placed,
            Retained6Months = group?.Retained6Months ?? 0,
            Retained12Months = group?.Retained12Months ?? 0,
            Gap = entry.TotalDemand - (seats + placed),
        };
    }
}
