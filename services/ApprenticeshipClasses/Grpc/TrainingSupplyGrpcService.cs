// The training supply per occupation × industry chain, read by the Talent service (catalogue and loop figures).
//
// RPC                     | SQL: Data/TrainingSupplyStore.cs | rule: Model/
// SummarizeTrainingSupply | SummarizeAsync                   | TrainingSupplyRules, OutcomeRules; city admins only

using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Grpc.Core;
using Npgsql;

namespace Collaboration.Apprenticeships.Grpc;

/// <summary>City-wide training figures: admins only (the Talent service asks with the admin's own token).</summary>
public sealed class TrainingSupplyGrpcService(NpgsqlDataSource dataSource) : TrainingSupplyService.TrainingSupplyServiceBase
{
    private const int MaxCodeLength = 64;

    public override async Task<SummarizeTrainingSupplyResponse> SummarizeTrainingSupply(SummarizeTrainingSupplyRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        violations.Text("occupation_code", request.OccupationCode, MaxCodeLength, required: false);
        violations.Text("industry_chain", request.IndustryChain, MaxCodeLength, required: false);
        DateOnly asOf = Dates.Today;
        if (request.AsOf.IsSet())
        {
            if (request.AsOf.ToDateOnly() is { } day)
            {
                asOf = day;
            }
            else
            {
                violations.Add("as_of", "is not a valid calendar date.");
            }
        }
        violations.ThrowIfAny();
        if (!caller.IsAdmin)
        {
            ApiErrors.PermissionDenied("The city-wide training supply is for the city's admins.");
        }
        var rows = await TrainingSupplyStore.SummarizeAsync(dataSource, asOf, request.OccupationCode.Trim(), request.IndustryChain.Trim(), context.CancellationToken);
        var response = new SummarizeTrainingSupplyResponse { AsOf = asOf.ToProto() };
        response.Groups.AddRange(rows.Select(r => new TrainingSupplyGroup
        {
            OccupationCode = r.OccupationCode,
            IndustryChain = r.IndustryChain,
            CohortsInTraining = r.CohortsInTraining,
            Seats = r.Seats,
            Enrolled = r.Enrolled,
            Graduates = r.Graduates,
            PlacedInCity = r.PlacedInCity,
            Retained6Months = r.Retained6Months,
            Retained12Months = r.Retained12Months,
        }));
        return response;
    }
}
