using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using PlacementState = Collaboration.Apprenticeships.V1.Placement.Types.State;

namespace Collaboration.Apprenticeships.Grpc;

// Placements after completion and their retention checks; recorded by a current sponsor. The employer's name and kind
// are the directory's, and in-city is never the caller's word: InCityRule derives it from the employer's register
// (RegisteredOrganization.InCity, from its registration division), or an audited override (a branch in the city).
// RPC                     store (Data/CohortStore)                        rule (Model/)
// GetPlacement            FindPlacementAsync                              CohortAccess.CanRead (or a partner grant)
// OfferPlacement          LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Offer), InCityRule (the directory's entry)
// AcceptPlacement         LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Accept)
// DeclinePlacement        LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Decline)
// RecordEmployment        LockPlacementAsync, UpsertPlacementAsync        PlacementLifecycle.Next (Employ), InCityRule (the directory's entry)
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

    public override async Task<Placement> OfferPlacement(OfferPlacementRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        var code = request.Employer is { CreditCode.Length: > 0 } employer ? employer.CreditCode : caller.Organization;
        if (request.Employer is { CreditCode.Length: > 0 })
        {
            violations.CreditCode("employer.credit_code", code);
        }
        ValidateOverride(request.InCityOverride, violations);
        violations.ThrowIfAny();
        // A caller without an organisation of its own (an admin) names no employer by default; the sponsor check refuses it.
        var offered = CreditCode.IsValid(code) ? await RegisteredEmployerAsync(context, code, request.InCityOverride) : null;
        return await PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Offer, nameof(OfferPlacement), context,
            _ => offered is not null ? Employed(offered, request.InCityOverride, null)
                : throw ApiErrors.InvalidArgument([new BadRequest.Types.FieldViolation { Field = "employer.credit_code", Description = "is required." }]));
    }

    public override Task<Placement> AcceptPlacement(AcceptPlacementRequest request, ServerCallContext context) =>
        PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Accept, nameof(AcceptPlacement), context,
            current => AsOffered(current!));

    public override Task<Placement> DeclinePlacement(DeclinePlacementRequest request, ServerCallContext context) =>
        PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Decline, nameof(DeclinePlacement), context,
            current => AsOffered(current!));

    public override async Task<Placement> RecordEmployment(RecordEmploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        violations.CreditCode("employer.credit_code", request.Employer?.CreditCode);
        if (request.StartDate.ToDateOnly() is null)
        {
            violations.Add("start_date", request.StartDate.IsSet() ? "is not a valid calendar date." : "is required.");
        }
        ValidateOverride(request.InCityOverride, violations);
        violations.ThrowIfAny();
        var employer = await RegisteredEmployerAsync(context, request.Employer!.CreditCode, request.InCityOverride);
        return await PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Employ, nameof(RecordEmployment), context,
            _ => Employed(employer, request.InCityOverride, request.StartDate.ToDateOnly()!.Value.ToDateTime(TimeOnly.MinValue)));
    }

    /// <summary>The employer as the directory registers it (NOT_FOUND naming <c>employer.credit_code</c> when it does not), and whether an override may apply to it.</summary>
    private async Task<RegisteredOrganization> RegisteredEmployerAsync(ServerCallContext context, string code, InCityOverride? inCityOverride)
    {
        var employer = await directory.LookupAsync(context, code, "employer.credit_code");
        if (inCityOverride is not null && InCityRule.OverrideViolation(employer) is { } why)
        {
            ApiErrors.InvalidArgument("in_city_override", why);
        }
        return employer;
    }

    /// <summary>The employer's registered name and kind, and the in-city fact InCityRule derives from its register (or the override).</summary>
    private static EmployerFacts Employed(RegisteredOrganization employer, InCityOverride? inCityOverride, DateTime? start)
    {
        var (inCity, basis) = InCityRule.Decide(employer, inCityOverride);
        return new EmployerFacts(employer.CreditCode, employer.Name, employer.Kind, inCity,
            basis == InCityBasis.Override ? inCityOverride : null, start);
    }

    /// <summary>Accepting or declining keeps the employer and the in-city fact the offer was made with.</summary>
    private static EmployerFacts AsOffered(PlacementRow placement) =>
        new(placement.EmployerCode, placement.EmployerName, (OrganizationKind)placement.EmployerKind, placement.InCity,
            placement.InCityBasis == (short)InCityBasis.Override
                ? new InCityOverride { Reason = (InCityOverride.Types.Reason)placement.InCityOverrideReason, Note = placement.InCityOverrideNote }
                : null,
            placement.StartDate);

    /// <summary>What a placement stores of its employer; <paramref name="Override"/> is set when the in-city fact rests on one.</summary>
    private sealed record EmployerFacts(string Code, string Name, OrganizationKind Kind, bool InCity, InCityOverride? Override, DateTime? Start);

    private async Task<Placement> PlacementActAsync(IMessage request, string placementName, string etag, string requestId, PlacementAction action,
        string method, ServerCallContext context, Func<PlacementRow?, EmployerFacts> values)
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
            var facts = values(current);
            var saved = await CohortStore.UpsertPlacementAsync(connection, transaction, new PlacementRow
            {
                EnrolmentId = enrolmentId, CohortId = cohortId, State = (short)next, EmployerCode = facts.Code, EmployerName = facts.Name,
                EmployerKind = (short)facts.Kind, InCity = facts.InCity,
                InCityBasis = (short)(facts.Override is null ? InCityBasis.Register : InCityBasis.Override),
                InCityOverrideReason = (short)(facts.Override?.Reason ?? 0),
                InCityOverrideNote = facts.Override?.Note.Trim() ?? "",
                StartDate = facts.Start,
            });
            var inCityText = facts.Override is { } applied
                ? $"in city by override {applied.Reason}: {applied.Note.Trim()}"
                : facts.InCity ? "in city by register" : "not in city by register";
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, placementName, method,
                from == PlacementLifecycle.None ? "" : from.ToString(), next.ToString(), $"employer {facts.Code}; {inCityText}");
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

    /// <summary>An override needs a reason and a note; whether the employer may have one is its register's to say (<see cref="RegisteredEmployerAsync"/>).</summary>
    private static void ValidateOverride(InCityOverride? inCityOverride, FieldViolations violations)
    {
        if (inCityOverride is null)
        {
            return;
        }
        violations.DefinedEnum("in_city_override.reason", inCityOverride.Reason);
        violations.Text("in_city_override.note", inCityOverride.Note, MaxReasonLength);
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
