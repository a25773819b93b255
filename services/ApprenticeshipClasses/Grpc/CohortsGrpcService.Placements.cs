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

// Placements after completion and their retention checks; recorded by a current sponsor. In-city is never the
// caller's word: InCityRule derives it from the employer's credit code, or an audited override (a branch in the city).
// RPC                     store (Data/CohortStore)                        rule (Model/)
// GetPlacement            FindPlacementAsync                              CohortAccess.CanRead (or a partner grant)
// OfferPlacement          LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Offer), InCityRule
// AcceptPlacement         LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Accept)
// DeclinePlacement        LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Decline)
// RecordEmployment        LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Employ), InCityRule
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
        ValidateOverride(request.InCityOverride, request.Employer?.CreditCode, violations);
        violations.ThrowIfAny();
        return PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Offer, nameof(OfferPlacement), context,
            (cohort, caller, current) =>
            {
                var code = request.Employer is { CreditCode.Length: > 0 } e ? e.CreditCode : caller.Organization;
                var employerName = request.Employer is { Name.Length: > 0 } n ? n.Name.Trim()
                    : cohort.Sponsors.FirstOrDefault(s => s.CreditCode == code)?.OrgName ?? "";
                if (request.InCityOverride is not null && InCityRule.OverrideViolation(code) is { } why)
                {
                    ApiErrors.InvalidArgument("in_city_override", why);
                }
                return (code, employerName, request.InCityOverride, null);
            });
    }

    public override Task<Placement> AcceptPlacement(AcceptPlacementRequest request, ServerCallContext context) =>
        PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Accept, nameof(AcceptPlacement), context,
            (_, _, current) => (current!.EmployerCode, current.EmployerName, StoredOverride(current), current.StartDate));

    public override Task<Placement> DeclinePlacement(DeclinePlacementRequest request, ServerCallContext context) =>
        PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Decline, nameof(DeclinePlacement), context,
            (_, _, current) => (current!.EmployerCode, current.EmployerName, StoredOverride(current), current.StartDate));

    public override Task<Placement> RecordEmployment(RecordEmploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        violations.CreditCode("employer.credit_code", request.Employer?.CreditCode);
        violations.Text("employer.name", request.Employer?.Name, MaxNameLength);
        if (request.StartDate.ToDateOnly() is null)
        {
            violations.Add("start_date", request.StartDate.IsSet() ? "is not a valid calendar date." : "is required.");
        }
        ValidateOverride(request.InCityOverride, request.Employer?.CreditCode, violations);
        violations.ThrowIfAny();
        return PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Employ, nameof(RecordEmployment), context,
            (_, _, _) => (request.Employer!.CreditCode, request.Employer.Name.Trim(), request.InCityOverride,
                request.StartDate.ToDateOnly()!.Value.ToDateTime(TimeOnly.MinValue)));
    }

    private async Task<Placement> PlacementActAsync(IMessage request, string placementName, string etag, string requestId, PlacementAction action,
        string method, ServerCallContext context, Func<CohortRow, Caller, PlacementRow?, (string Code, string Name, InCityOverride? Override, DateTime? Start)> values)
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
            var (code, name, inCityOverride, start) = values(cohort, caller, current);
            var (inCity, basis) = InCityRule.Decide(code, inCityOverride);
            var saved = await CohortStore.UpsertPlacementAsync(connection, transaction, new PlacementRow
            {
                EnrolmentId = enrolmentId, CohortId = cohortId, State = (short)next, EmployerCode = code, EmployerName = name, InCity = inCity,
                InCityBasis = (short)basis,
                InCityOverrideReason = basis == InCityBasis.Override ? (short)inCityOverride!.Reason : (short)0,
                InCityOverrideNote = basis == InCityBasis.Override ? inCityOverride!.Note.Trim() : "",
                StartDate = start,
            });
            var inCityText = basis == InCityBasis.Override
                ? $"in city by override {inCityOverride!.Reason}: {inCityOverride.Note.Trim()}"
                : inCity ? "in city by register" : "not in city by register";
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, placementName, method,
                from == PlacementLifecycle.None ? "" : from.ToString(), next.ToString(), $"employer {code}; {inCityText}");
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

    /// <summary>An override needs a reason and a note, and only an employer registered outside the city needs one.</summary>
    private static void ValidateOverride(InCityOverride? inCityOverride, string? employerCode, FieldViolations violations)
    {
        if (inCityOverride is null)
        {
            return;
        }
        violations.DefinedEnum("in_city_override.reason", inCityOverride.Reason);
        violations.Text("in_city_override.note", inCityOverride.Note, MaxReasonLength);
        if (CreditCode.IsValid(employerCode) && InCityRule.OverrideViolation(employerCode!) is { } why)
        {
            violations.Add("in_city_override", why);
        }
    }

    /// <summary>Accepting or declining keeps the override the offer was made with.</summary>
    private static InCityOverride? StoredOverride(PlacementRow placement) =>
        placement.InCityBasis == (short)InCityBasis.Override
            ? new InCityOverride { Reason = (InCityOverride.Types.Reason)placement.InCityOverrideReason, Note = placement.InCityOverrideNote }
            : null;

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
