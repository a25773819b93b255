using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Validation;
using Grpc.Core;

namespace Collaboration.Apprenticeships.Grpc;

// Outcomes (computed from the records each time) and the audit trail.
// RPC                     store (Data/)                                   rule (Model/)
// GetCohortOutcomes       OutcomeStore.CohortOutcomesAsync                OutcomeRules, Rates
// ComputeLandingRates     OutcomeStore.LandingRatesAsync                  OutcomeRules, Rates; CohortAccess.CanRead (in the query)
// ListAuditEntries        AuditLog.PageAsync (Shared/Data)                the parties and admins only (CohortAccess.CanRead)
public sealed partial class CohortsGrpcService
{
    public override async Task<CohortOutcomes> GetCohortOutcomes(GetCohortOutcomesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCohort(request.Name, "name");
        var cohort = await RequireReadableAsync(context, caller, id, request.Name);
        return await outcomes.CohortOutcomesAsync(id, cohort.PlacementCommitment, context.CancellationToken);
    }

    public override async Task<ComputeLandingRatesResponse> ComputeLandingRates(ComputeLandingRatesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        violations.DefinedEnum("group_by", request.GroupBy);
        if (request.EndYear != 0) { violations.Range("end_year", request.EndYear, 1900, 9999); }
        violations.Text("industry_chain", request.IndustryChain, MaxChainLength, required: false);
        violations.ThrowIfAny();
        var groups = await outcomes.LandingRatesAsync(caller, request.GroupBy, request.EndYear, request.IndustryChain, context.CancellationToken);
        var response = new ComputeLandingRatesResponse();
        response.Groups.AddRange(groups);
        return response;
    }

    public override async Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCohort(request.Parent, "parent");
        var (entries, next) = await AuditLog.PageAsync(store.DataSource, request.Parent, request.PageSize, request.PageToken,
            async () =>
            {
                // The audit trail is for the parties and the city's admins; a partner grant shows the cohort, not who did what.
                var cohort = await RequireReadableAsync(context, caller, id, request.Parent);
                if (!CohortAccess.CanRead(caller, cohort.College.CreditCode, cohort.Sponsors.Select(s => s.Organization.CreditCode)))
                {
                    ApiErrors.PermissionDenied("The audit trail is for the college, the sponsors and the city's admins.");
                }
            }, context.CancellationToken);
        return new ListAuditEntriesResponse { NextPageToken = next, AuditEntries = { entries } };
    }
}
