using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;

namespace Collaboration.Apprenticeships.Grpc;

// Changes of sponsoring enterprise for one learner, requested by the college, decided by the receiving sponsor.
// RPC                     store (Data/CohortStore)                        rule (Model/)
// CreateSponsorChange     InsertSponsorChangeAsync                        a current sponsor; one pending change per learner
// ListSponsorChanges      ListSponsorChangesAsync                         CohortAccess.CanRead (or a partner grant)
// ApproveSponsorChange    LockSponsorChangeAsync, SetSponsorChangeState…  SponsorChangeLifecycle.Next (Approve)
// RejectSponsorChange     LockSponsorChangeAsync, SetSponsorChangeState…  SponsorChangeLifecycle.Next (Reject)
// WithdrawSponsorChange   LockSponsorChangeAsync, SetSponsorChangeState…  SponsorChangeLifecycle.Next (Withdraw)
public sealed partial class CohortsGrpcService
{
    public override async Task<SponsorChange> CreateSponsorChange(CreateSponsorChangeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var (cohortId, enrolmentId) = ParseEnrolment(request.Parent, "parent");
        var change = request.SponsorChange ?? new SponsorChange();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.CreditCode("sponsor_change.to_sponsor_credit_code", change.ToSponsorCreditCode);
        violations.Text("sponsor_change.reason", change.Reason, MaxReasonLength);
        violations.ThrowIfAny();

        var cohortName = CohortNames.Cohort(cohortId);
        var call = new WriteCall(nameof(CreateSponsorChange), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var cohort = await LockVisibleAsync(context, connection, transaction, caller, cohortId, cohortName);
            var enrolment = await CohortStore.LockEnrolmentAsync(connection, transaction, cohortId, enrolmentId);
            if (enrolment is null)
            {
                ApiErrors.NotFound(request.Parent);
            }
            if (!caller.CanEditFor(cohort.CollegeCode))
            {
                ApiErrors.PermissionDenied("A change of sponsor is requested by an owner or editor of the college.");
            }
            if (enrolment.EnrolmentState is EnrolmentState.Withdrawn or EnrolmentState.Completed)
            {
                ApiErrors.InvalidState(request.Parent, nameof(CreateSponsorChange), enrolment.EnrolmentState.ToString());
            }
            if (!cohort.CurrentSponsorCodes.Contains(change.ToSponsorCreditCode) || change.ToSponsorCreditCode == enrolment.SponsorCode)
            {
                ApiErrors.InvalidArgument("sponsor_change.to_sponsor_credit_code", "must be another current sponsor of the cohort.");
            }
            SponsorChangeRow created;
            try
            {
                created = await CohortStore.InsertSponsorChangeAsync(connection, transaction, new SponsorChangeRow
                {
                    Id = Guid.CreateVersion7(), CohortId = cohortId, EnrolmentId = enrolmentId, FromCode = enrolment.SponsorCode,
                    ToCode = change.ToSponsorCreditCode, Reason = change.Reason.Trim(), State = (short)SponsorChange.Types.State.Pending,
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                ApiErrors.AlreadyExists($"{request.Parent} already has a pending change of sponsor.");
                throw;
            }
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, created.ToProto().Name, nameof(CreateSponsorChange),
                "", nameof(SponsorChange.Types.State.Pending), $"{created.FromCode} → {created.ToCode}");
            return created.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<ListSponsorChangesResponse> ListSponsorChanges(ListSponsorChangesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var (cohortId, enrolmentId) = ParseEnrolment(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, cohortId, request.Parent);
        var rows = await store.ListSponsorChangesAsync(enrolmentId, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows.Where(r => r.CohortId == cohortId).ToList(), size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListSponsorChangesResponse { NextPageToken = next };
        response.SponsorChanges.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override Task<SponsorChange> ApproveSponsorChange(ApproveSponsorChangeRequest request, ServerCallContext context) =>
        SponsorChangeActAsync(request, request.Name, request.Etag, request.RequestId, request.Reason, SponsorChangeAction.Approve, context);

    public override Task<SponsorChange> RejectSponsorChange(RejectSponsorChangeRequest request, ServerCallContext context) =>
        SponsorChangeActAsync(request, request.Name, request.Etag, request.RequestId, request.Reason, SponsorChangeAction.Reject, context);

    public override Task<SponsorChange> WithdrawSponsorChange(WithdrawSponsorChangeRequest request, ServerCallContext context) =>
        SponsorChangeActAsync(request, request.Name, request.Etag, request.RequestId, request.Reason, SponsorChangeAction.Withdraw, context);

    private async Task<SponsorChange> SponsorChangeActAsync(IMessage request, string name, string etag, string requestId, string reason,
        SponsorChangeAction action, ServerCallContext context)
    {
        var method = MethodOf(request);
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(requestId);
        violations.Text("reason", reason, MaxReasonLength, required: false);
        if (!CohortNames.TryParseSponsorChange(name, out var cohortId, out var enrolmentId, out var changeId))
        {
            violations.Add("name", "must look like cohorts/{cohort}/enrolments/{enrolment}/sponsorChanges/{sponsor_change}.");
        }
        violations.ThrowIfAny();
        var cohortName = CohortNames.Cohort(cohortId);
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var cohort = await LockVisibleAsync(context, connection, transaction, caller, cohortId, cohortName);
            var enrolment = await CohortStore.LockEnrolmentAsync(connection, transaction, cohortId, enrolmentId);
            var change = enrolment is null ? null : await CohortStore.LockSponsorChangeAsync(connection, transaction, enrolmentId, changeId);
            if (enrolment is null || change is null)
            {
                ApiErrors.NotFound(name);
            }
            var allowed = action == SponsorChangeAction.Withdraw ? caller.CanEditFor(cohort.CollegeCode) : caller.CanEditFor(change.ToCode);
            if (!allowed)
            {
                ApiErrors.PermissionDenied(action == SponsorChangeAction.Withdraw
                    ? "The college that requested the change withdraws it."
                    : "The receiving sponsor approves or rejects a change of sponsor.");
            }
            ApiErrors.CheckEtag(etag, change.Etag, name);
            if (SponsorChangeLifecycle.Next(change.ChangeState, action) is not { } next)
            {
                ApiErrors.InvalidState(name, method, change.ChangeState.ToString());
                return null!;
            }
            if (action == SponsorChangeAction.Approve)
            {
                // The new host names its own master.
                enrolment.SponsorCode = change.ToCode;
                enrolment.EnterpriseMentor = "";
                await CohortStore.UpdateEnrolmentAsync(connection, transaction, enrolment);
            }
            var updated = await CohortStore.SetSponsorChangeStateAsync(connection, transaction, changeId, (short)next);
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, name, method,
                change.ChangeState.ToString(), next.ToString(), reason.Trim());
            return updated.ToProto();
        }, [], context.CancellationToken);
    }
}
