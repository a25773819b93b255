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
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;

namespace Collaboration.Apprenticeships.Grpc;

// Enrolments: one learner each, the roster import, and the enrolment lifecycle.
// RPC                     store (Data/)                                   rule (Model/)
// CreateEnrolment         CohortStore.InsertEnrolmentAsync                RosterRules, IdentityNumber, CohortLifecycle.AcceptsEnrolments
// GetEnrolment            CohortStore.FindEnrolmentAsync                  CohortAccess.CanRead (or a partner grant)
// ListEnrolments          CohortStore.ListEnrolmentsAsync                 CohortAccess.CanRead (or a partner grant)
// UpdateEnrolment         CohortStore.UpdateEnrolmentAsync                RosterRules; college fields vs the sponsor's master
// ImportEnrolments        ImportEnrolmentsHandler → RosterImport          RosterRules, CohortLifecycle.AcceptsEnrolments
// Start/Pause/Resume/     CohortStore.LockEnrolmentAsync,                 EnrolmentLifecycle.Next, CohortLifecycle.RunsEnrolments
//   Withdraw/Complete…      UpdateEnrolmentAsync
public sealed partial class CohortsGrpcService
{
    private static readonly HashSet<string> CollegeEnrolmentPaths = ["display_name", "college_mentor"];
    private static readonly HashSet<string> SponsorEnrolmentPaths = ["enterprise_mentor"];
    private static readonly HashSet<string> EnrolmentPaths = [.. CollegeEnrolmentPaths, .. SponsorEnrolmentPaths];

    public override async Task<Enrolment> CreateEnrolment(CreateEnrolmentRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCohort(request.Parent, "parent");
        var enrolment = request.Enrolment ?? new Enrolment();
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (RosterRules.CheckStudentNumber(enrolment.StudentNumber.Trim()) is { } numberProblem)
        {
            violations.Add("enrolment.student_number", numberProblem);
        }
        violations.Text("enrolment.display_name", enrolment.DisplayName, RosterRules.MaxPersonNameLength);
        if (IdentityNumber.Check(enrolment.IdentityNumber.Trim()) is { } identityProblem)
        {
            violations.Add("enrolment.identity_number", identityProblem);
        }
        violations.Text("enrolment.college_mentor", enrolment.CollegeMentor, RosterRules.MaxPersonNameLength, required: false);
        violations.Text("enrolment.enterprise_mentor", enrolment.EnterpriseMentor, RosterRules.MaxPersonNameLength, required: false);
        if (enrolment.SponsorCreditCode.Length > 0)
        {
            violations.CreditCode("enrolment.sponsor_credit_code", enrolment.SponsorCreditCode);
        }
        if (enrolment.State != EnrolmentState.Unspecified)
        {
            violations.Add("enrolment.state", "is output only; a new enrolment is waiting to start.");
        }
        violations.ThrowIfAny();

        var name = CohortNames.Cohort(id);
        var normalized = IdentityNumber.Normalize(enrolment.IdentityNumber);
        var call = new WriteCall(nameof(CreateEnrolment), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var cohort = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(cohort.CollegeCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the college enrols learners in {name}.");
            }
            if (!CohortLifecycle.AcceptsEnrolments(cohort.CohortState))
            {
                ApiErrors.InvalidState(name, nameof(CreateEnrolment), cohort.CohortState.ToString());
            }
            var sponsor = enrolment.SponsorCreditCode.Length > 0
                ? enrolment.SponsorCreditCode
                : cohort.Sponsors.Where(s => s.LeftDate is null).OrderBy(s => s.JoinedDate).Select(s => s.CreditCode).FirstOrDefault() ?? "";
            if (!cohort.CurrentSponsorCodes.Contains(sponsor))
            {
                ApiErrors.InvalidArgument("enrolment.sponsor_credit_code", "must be a current sponsor of the cohort.");
            }
            if (await CohortStore.CountEnrolledAsync(connection, transaction, id) >= cohort.Seats)
            {
                ApiErrors.FailedPrecondition("SEATS_EXCEEDED", $"{name} has no free seat ({cohort.Seats} seats).");
            }
            var row = new EnrolmentRow
            {
                Id = Guid.CreateVersion7(),
                CohortId = id,
                CollegeCode = cohort.CollegeCode,
                StudentNumber = enrolment.StudentNumber.Trim(),
                DisplayName = enrolment.DisplayName.Trim(),
                IdentityHash = hasher.Hash(normalized),
                IdentityLast4 = IdentityNumber.LastFour(normalized),
                State = (short)EnrolmentState.WaitingToStart,
                CollegeMentor = enrolment.CollegeMentor.Trim(),
                EnterpriseMentor = enrolment.EnterpriseMentor.Trim(),
                SponsorCode = sponsor,
            };
            if (await CohortStore.InsertEnrolmentAsync(connection, transaction, row) == 0)
            {
                var holder = await CohortStore.FindByStudentNumberAsync(connection, transaction, row.CollegeCode, row.StudentNumber);
                ApiErrors.AlreadyExists(holder is not null
                    ? $"Student number {row.StudentNumber} is already enrolled in the college."
                    : "This learner is already enrolled in the cohort.");
            }
            await CohortStore.TouchAsync(connection, transaction, id);
            var created = (await CohortStore.LockEnrolmentAsync(connection, transaction, id, row.Id))!;
            var enrolmentName = CohortNames.Enrolment(id, row.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, name, enrolmentName, nameof(CreateEnrolment), "", EnrolmentState.WaitingToStart.ToString());
            return created.ToProto();
        }, [CohortGate.CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Enrolment> GetEnrolment(GetEnrolmentRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var (cohortId, enrolmentId) = ParseEnrolment(request.Name, "name");
        await RequireReadableAsync(context, caller, cohortId, request.Name);
        var row = await store.FindEnrolmentAsync(cohortId, enrolmentId, context.CancellationToken);
        if (row is null)
        {
            ApiErrors.NotFound(request.Name);
        }
        return row.ToProto();
    }

    public override async Task<ListEnrolmentsResponse> ListEnrolments(ListEnrolmentsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCohort(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        var fingerprint = Page.Fingerprint(request.Parent, request.State);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListEnrolmentsAsync(id, (short)request.State, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListEnrolmentsResponse { NextPageToken = next };
        response.Enrolments.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Enrolment> UpdateEnrolment(UpdateEnrolmentRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Enrolment ?? new Enrolment();
        var (cohortId, enrolmentId) = ParseEnrolment(patch.Name, "enrolment.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, EnrolmentPaths, violations, inferWhenEmpty: false);
        if (paths.Contains("display_name")) { violations.Text("enrolment.display_name", patch.DisplayName, RosterRules.MaxPersonNameLength); }
        if (paths.Contains("college_mentor")) { violations.Text("enrolment.college_mentor", patch.CollegeMentor, RosterRules.MaxPersonNameLength, required: false); }
        if (paths.Contains("enterprise_mentor")) { violations.Text("enrolment.enterprise_mentor", patch.EnterpriseMentor, RosterRules.MaxPersonNameLength, required: false); }
        violations.ThrowIfAny();

        var cohortName = CohortNames.Cohort(cohortId);
        var call = new WriteCall(nameof(UpdateEnrolment), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var cohort = await LockVisibleAsync(context, connection, transaction, caller, cohortId, cohortName);
            var row = await CohortStore.LockEnrolmentAsync(connection, transaction, cohortId, enrolmentId);
            if (row is null)
            {
                ApiErrors.NotFound(patch.Name);
            }
            if (paths.Any(CollegeEnrolmentPaths.Contains) && !caller.CanEditFor(cohort.CollegeCode))
            {
                ApiErrors.PermissionDenied("The learner's name and college mentor are set by an owner or editor of the college.");
            }
            if (paths.Any(SponsorEnrolmentPaths.Contains) && !cohort.CurrentSponsorCodes.Any(caller.CanEditFor))
            {
                ApiErrors.PermissionDenied("The enterprise mentor (master) is named by an owner or editor of a sponsoring enterprise.");
            }
            ApiErrors.CheckEtag(patch.Etag, row.Etag, patch.Name);
            if (row.EnrolmentState == EnrolmentState.Withdrawn)
            {
                ApiErrors.InvalidState(patch.Name, nameof(UpdateEnrolment), row.EnrolmentState.ToString());
            }
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "display_name": row.DisplayName = patch.DisplayName.Trim(); break;
                    case "college_mentor": row.CollegeMentor = patch.CollegeMentor.Trim(); break;
                    case "enterprise_mentor": row.EnterpriseMentor = patch.EnterpriseMentor.Trim(); break;
                }
            }
            var updated = await CohortStore.UpdateEnrolmentAsync(connection, transaction, row);
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, patch.Name, nameof(UpdateEnrolment),
                row.EnrolmentState.ToString(), row.EnrolmentState.ToString(), string.Join(",", paths));
            return updated.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<ImportEnrolmentsResponse> ImportEnrolments(IAsyncStreamReader<ImportEnrolmentsRequest> requestStream, ServerCallContext context)
    {
        var caller = Caller.From(context);
        if (!await requestStream.MoveNext(context.CancellationToken)
            || requestStream.Current.PayloadCase != ImportEnrolmentsRequest.PayloadOneofCase.Header)
        {
            ApiErrors.InvalidArgument("header", "the first message must carry the header (parent, request_id, allow_partial).");
        }
        var header = requestStream.Current.Header;
        var violations = new FieldViolations().RequestId(header.RequestId);
        if (!CohortNames.TryParseCohort(header.Parent, out var id))
        {
            violations.Add("header.parent", "must look like cohorts/{cohort}.");
        }
        violations.ThrowIfAny();
        return await imports.RunAsync(context.GetHttpContext(), caller, new ImportHeader(id, header.RequestId, header.AllowPartial),
            StreamRows(requestStream, context.CancellationToken), context.CancellationToken);
    }

    private static async IAsyncEnumerable<RosterInput> StreamRows(IAsyncStreamReader<ImportEnrolmentsRequest> stream,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var number = 0;
        while (await stream.MoveNext(cancellationToken))
        {
            if (stream.Current.PayloadCase != ImportEnrolmentsRequest.PayloadOneofCase.Rows)
            {
                ApiErrors.InvalidArgument("rows", "only the first message carries a header; later messages carry rows.");
            }
            foreach (var row in stream.Current.Rows.Rows)
            {
                yield return new RosterInput(++number, 0, row.StudentNumber, row.DisplayName, row.IdentityNumber, row.CollegeMentor, row.EnterpriseMentor);
            }
        }
    }

    public override Task<Enrolment> StartEnrolment(StartEnrolmentRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, request.Name, request.Etag, request.RequestId, EnrolmentAction.Start, context);

    public override Task<Enrolment> PauseEnrolment(PauseEnrolmentRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, request.Name, request.Etag, request.RequestId, EnrolmentAction.Pause, context);

    public override Task<Enrolment> ResumeEnrolment(ResumeEnrolmentRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, request.Name, request.Etag, request.RequestId, EnrolmentAction.Resume, context);

    public override Task<Enrolment> WithdrawEnrolment(WithdrawEnrolmentRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, request.Name, request.Etag, request.RequestId, EnrolmentAction.Withdraw, context);

    public override Task<Enrolment> CompleteEnrolment(CompleteEnrolmentRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, request.Name, request.Etag, request.RequestId, EnrolmentAction.Complete, context);

    private async Task<Enrolment> EnrolmentTransitionAsync(IMessage request, string name, string etag, string requestId, EnrolmentAction action,
        ServerCallContext context)
    {
        var caller = Caller.From(context);
        new FieldViolations().RequestId(requestId).ThrowIfAny();
        var (cohortId, enrolmentId) = ParseEnrolment(name, "name");
        var cohortName = CohortNames.Cohort(cohortId);
        var method = MethodOf(request);
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var cohort = await LockVisibleAsync(context, connection, transaction, caller, cohortId, cohortName);
            var row = await CohortStore.LockEnrolmentAsync(connection, transaction, cohortId, enrolmentId);
            if (row is null)
            {
                ApiErrors.NotFound(name);
            }
            if (!caller.CanEditFor(cohort.CollegeCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the college may {action} an enrolment.");
            }
            ApiErrors.CheckEtag(etag, row.Etag, name);
            if (!CohortLifecycle.RunsEnrolments(cohort.CohortState) && action != EnrolmentAction.Withdraw)
            {
                ApiErrors.InvalidState(cohortName, method, cohort.CohortState.ToString());
            }
            var from = row.EnrolmentState;
            if (EnrolmentLifecycle.Next(from, action) is not { } next)
            {
                ApiErrors.InvalidState(name, method, from.ToString());
                return null!;
            }
            row.State = (short)next;
            var updated = await CohortStore.UpdateEnrolmentAsync(connection, transaction, row);
            if (next == EnrolmentState.Withdrawn)
            {
                await CohortStore.TouchAsync(connection, transaction, cohortId);
            }
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, name, method, from.ToString(), next.ToString());
            return updated.ToProto();
        }, [CohortGate.CacheKey(cohortId)], context.CancellationToken);
    }
}
