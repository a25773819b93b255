using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using PlacementState = Collaboration.Apprenticeships.V1.Placement.Types.State;

namespace Collaboration.Apprenticeships.Grpc;

// Placements after completion and their retention checks; recorded by a current sponsor.
// RPC                     store (Data/CohortStore)                        rule (Model/)
// GetPlacement            FindPlacementAsync                              CohortAccess.CanRead (or a partner grant)
// OfferPlacement          LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Offer)
// AcceptPlacement         LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Accept)
// DeclinePlacement        LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Decline)
// RecordEmployment        LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Employ)
// RecordRetentionCheck    InsertRetentionCheckAsync, TouchPlacementAsync  PlacementLifecycle.RetentionMonths; employed only
public sealed partial class CohortsGrpcService
{
    public override async Task<Placement> GetPlacement(GetPlacementRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var (cohortId, enrolmentId) = ParsePlacement(request.Name);
        var cohort = await RequireReadableAsync(context, caller, cohortId, request.Name);
        var (placement, checks) = await store.FindPlacementAsync(enrolmentId, context.CancellationToken);
        if (placement is null || placement.CohortId != cohortId)
        {
            ApiErrors.NotFound(request.Name);
        }
        return placement.ToProto(cohort.Sponsors.Select(s => s.Organization.CreditCode), checks);
    }

    public override Task<Placement> OfferPlacement(OfferPlacementRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        if (request.Employer is { CreditCode.Length: > 0 } employer)
        {
            violations.CreditCode("employer.credit_code", employer.CreditCode);
            violations.Text("employer.name", employer.Name, MaxNameLength, required: false);
        }
        violations.ThrowIfAny();
        return PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Offer, nameof(OfferPlacement), context,
            (cohort, caller, current) =>
            {
                var code = request.Employer is { CreditCode.Length: > 0 } e ? e.CreditCode : caller.Organization;
                var employerName = request.Employer is { Name.Length: > 0 } n ? n.Name.Trim()
                    : cohort.Sponsors.FirstOrDefault(s => s.CreditCode == code)?.OrgName ?? "";
                return (code, employerName, request.InCity, null);
            });
    }

    public override Task<Placement> AcceptPlacement(AcceptPlacementRequest request, ServerCallContext context) =>
        PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Accept, nameof(AcceptPlacement), context,
            (_, _, current) => (current!.EmployerCode, current.EmployerName, current.InCity, current.StartDate));

    public override Task<Placement> DeclinePlacement(DeclinePlacementRequest request, ServerCallContext context) =>
        PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Decline, nameof(DeclinePlacement), context,
            (_, _, current) => (current!.EmployerCode, current.EmployerName, current.InCity, current.StartDate));

    public override Task<Placement> RecordEmployment(RecordEmploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        violations.CreditCode("employer.credit_code", request.Employer?.CreditCode);
        violations.Text("employer.name", request.Employer?.Name, MaxNameLength);
        if (request.StartDate.ToDateOnly() is null)
        {
            violations.Add("start_date", request.StartDate.IsSet() ? "is not a valid calendar date." : "is required.");
        }
        violations.ThrowIfAny();
        return PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Employ, nameof(RecordEmployment), context,
            (_, _, _) => (request.Employer!.CreditCode, request.Employer.Name.Trim(), request.InCity,
                request.StartDate.ToDateOnly()!.Value.ToDateTime(TimeOnly.MinValue)));
    }

    private async Task<Placement> PlacementActAsync(IMessage request, string placementName, string etag, string requestId, PlacementAction action,
        string method, ServerCallContext context, Func<CohortRow, Caller, PlacementRow?, (string Code, string Name, bool InCity, DateTime? Start)> values)
    {
        var caller = Caller.From(context);
        new FieldViolations().RequestId(requestId).ThrowIfAny();
        var (cohortId, enrolmentId) = ParsePlacement(placementName);
        var cohortName = CohortNames.Cohort(cohortId);
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (cohort, enrolment) = await LockEnrolmentForSponsorAsync(context, connection, transaction, caller, cohortId, enrolmentId, placementName);
            if (enrolment.EnrolmentState != EnrolmentState.Completed)
            {
                ApiErrors.FailedPrecondition("NOT_COMPLETED", $"Placements are recorded after completion; the enrolment is {enrolment.EnrolmentState}.");
            }
            var current = await CohortStore.LockPlacementAsync(connection, transaction, enrolmentId);
            if (current is not null)
            {
                ApiErrors.CheckEtag(etag, current.Etag, placementName);
            }
            var from = current?.PlacementState ?? PlacementLifecycle.None;
            if (PlacementLifecycle.Next(from, action) is not { } next)
            {
                ApiErrors.InvalidState(placementName, method, from == PlacementLifecycle.None ? "not offered" : from.ToString());
                return null!;
            }
            var (code, name, inCity, start) = values(cohort, caller, current);
            var saved = await CohortStore.UpsertPlacementAsync(connection, transaction, new PlacementRow
            {
                EnrolmentId = enrolmentId, CohortId = cohortId, State = (short)next, EmployerCode = code, EmployerName = name, InCity = inCity,
                StartDate = start,
            });
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, placementName, method,
                from == PlacementLifecycle.None ? "" : from.ToString(), next.ToString(), $"employer {code}");
            return saved.ToProto(cohort.AllSponsorCodes, await CohortStore.ChecksAsync(connection, transaction, enrolmentId));
        }, [], context.CancellationToken);
    }

    public override async Task<Placement> RecordRetentionCheck(RecordRetentionCheckRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!PlacementLifecycle.RetentionMonths.Contains(request.Month))
        {
            violations.Add("month", $"must be one of {string.Join(", ", PlacementLifecycle.RetentionMonths)}.");
        }
        if (request.SameEmployer && !request.StillEmployed)
        {
            violations.Add("same_employer", "can only be true while the learner is still employed.");
        }
        violations.ThrowIfAny();
        var (cohortId, enrolmentId) = ParsePlacement(request.Name);
        var cohortName = CohortNames.Cohort(cohortId);
        var call = new WriteCall(nameof(RecordRetentionCheck), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (cohort, _) = await LockEnrolmentForSponsorAsync(context, connection, transaction, caller, cohortId, enrolmentId, request.Name);
            var current = await CohortStore.LockPlacementAsync(connection, transaction, enrolmentId);
            if (current is not null)
            {
                ApiErrors.CheckEtag(request.Etag, current.Etag, request.Name);
            }
            if (current?.PlacementState != PlacementState.Employed)
            {
                ApiErrors.InvalidState(request.Name, nameof(RecordRetentionCheck), current?.PlacementState.ToString() ?? "not offered");
            }
            var inserted = await CohortStore.InsertRetentionCheckAsync(connection, transaction, new RetentionRow
            {
                EnrolmentId = enrolmentId, Month = request.Month, StillEmployed = request.StillEmployed, SameEmployer = request.SameEmployer,
            });
            if (inserted == 0)
            {
                ApiErrors.AlreadyExists($"The {request.Month}-month retention check of {request.Name} is already recorded.");
            }
            var saved = await CohortStore.TouchPlacementAsync(connection, transaction, enrolmentId);
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, request.Name, nameof(RecordRetentionCheck),
                current.PlacementState.ToString(), current.PlacementState.ToString(),
                $"month {request.Month}: still employed {request.StillEmployed}, same employer {request.SameEmployer}");
            return saved.ToProto(cohort.AllSponsorCodes, await CohortStore.ChecksAsync(connection, transaction, enrolmentId));
        }, [], context.CancellationToken);
    }

    /// <summary>Placements are recorded by an owner or editor of a current sponsor.</summary>
    private async Task<(CohortRow Cohort, EnrolmentRow Enrolment)> LockEnrolmentForSponsorAsync(ServerCallContext context,
        NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid cohortId, Guid enrolmentId, string name)
    {
        var cohort = await LockVisibleAsync(context, connection, transaction, caller, cohortId, CohortNames.Cohort(cohortId));
        var enrolment = await CohortStore.LockEnrolmentAsync(connection, transaction, cohortId, enrolmentId);
        if (enrolment is null)
        {
            ApiErrors.NotFound(name);
        }
        if (!cohort.CurrentSponsorCodes.Any(caller.CanEditFor))
        {
            ApiErrors.PermissionDenied("Placements are recorded by an owner or editor of a sponsoring enterprise.");
        }
        return (cohort, enrolment);
    }
}
