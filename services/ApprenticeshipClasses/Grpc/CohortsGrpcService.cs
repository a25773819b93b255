using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using PlacementState = Collaboration.Apprenticeships.V1.Placement.Types.State;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Grpc;

/// <summary>The cohorts API: each method validates, checks who may act, acts, and maps back.</summary>
public sealed class CohortsGrpcService(CohortStore store, OutcomeStore outcomes, RosterImport import, WriteRunner writes,
    ResourceCache cache, CodeLists codeLists, IdentityHasher hasher, GrantChecker grants) : CohortService.CohortServiceBase
{
    private const int MaxNameLength = 200;
    private const int MaxChainLength = 64;
    private const int MaxReasonLength = 2000;
    private const int MaxSeats = 100_000;

    private static readonly HashSet<string> TermPaths = ["seats", "placement_commitment", "start_date", "end_date"];
    private static readonly HashSet<string> DetailPaths = ["display_name", "industrial_college_name", "major_code", "occupation_code", "industry_chain"];
    private static readonly HashSet<string> CollegeEnrolmentPaths = ["display_name", "college_mentor"];
    private static readonly HashSet<string> SponsorEnrolmentPaths = ["enterprise_mentor"];
    private static readonly HashSet<string> CohortPaths = [.. DetailPaths, .. TermPaths];
    private static readonly HashSet<string> EnrolmentPaths = [.. CollegeEnrolmentPaths, .. SponsorEnrolmentPaths];

    // ---------------------------------------------------------------- cohorts

    public override async Task<Cohort> GetCohort(GetCohortRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCohort(request.Name, "name");
        return await RequireReadableAsync(context, caller, id, request.Name);
    }

    public override async Task<ListCohortsResponse> ListCohorts(ListCohortsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        violations.DefinedEnum("kind", request.Kind, required: false);
        if (request.CollegeCreditCode.Length > 0) { violations.CreditCode("college_credit_code", request.CollegeCreditCode); }
        if (request.SponsorCreditCode.Length > 0) { violations.CreditCode("sponsor_credit_code", request.SponsorCreditCode); }
        violations.Text("industry_chain", request.IndustryChain, MaxChainLength, required: false);
        if (request.EndYear != 0) { violations.Range("end_year", request.EndYear, 1900, 9999); }
        var fingerprint = Page.Fingerprint(request.State, request.Kind, request.CollegeCreditCode, request.SponsorCreditCode,
            request.IndustryChain, request.EndYear);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var filter = new CohortFilter((short)request.State, (short)request.Kind, request.CollegeCreditCode, request.SponsorCreditCode,
            request.IndustryChain, request.EndYear);
        var rows = await store.ListAsync(caller, filter, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListCohortsResponse { NextPageToken = next };
        response.Cohorts.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Cohort> CreateCohort(CreateCohortRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var cohort = request.Cohort ?? new Cohort();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.DefinedEnum("cohort.kind", cohort.Kind);
        ValidateDetails(cohort, violations, DetailPaths);
        ValidateTerms(cohort, violations, TermPaths);
        var collegeCode = cohort.College?.CreditCode ?? "";
        if (collegeCode.Length == 0 && caller.OrganizationKind == Common.V1.OrganizationKind.VocationalCollege)
        {
            collegeCode = caller.Organization;
        }
        violations.CreditCode("cohort.college.credit_code", collegeCode);
        violations.Text("cohort.college.name", cohort.College?.Name, MaxNameLength);
        if (cohort.Sponsors.Count == 0)
        {
            violations.Add("cohort.sponsors", "name at least one sponsoring enterprise.");
        }
        for (var i = 0; i < cohort.Sponsors.Count; i++)
        {
            var sponsor = cohort.Sponsors[i];
            violations.CreditCode($"cohort.sponsors[{i}].organization.credit_code", sponsor.Organization?.CreditCode);
            violations.Text($"cohort.sponsors[{i}].organization.name", sponsor.Organization?.Name, MaxNameLength);
            if (sponsor.JoinedDate.IsSet() && sponsor.JoinedDate.ToDateOnly() is null)
            {
                violations.Add($"cohort.sponsors[{i}].joined_date", "is not a valid calendar date.");
            }
            if (sponsor.Organization?.CreditCode is { Length: > 0 } code && code == collegeCode)
            {
                violations.Add($"cohort.sponsors[{i}].organization.credit_code", "the college cannot sponsor its own cohort.");
            }
        }
        if (cohort.Sponsors.Select(s => s.Organization?.CreditCode).Distinct().Count() != cohort.Sponsors.Count)
        {
            violations.Add("cohort.sponsors", "names the same enterprise twice.");
        }
        if (cohort.State != State.Unspecified)
        {
            violations.Add("cohort.state", "is output only; a new cohort starts as a draft.");
        }
        violations.ThrowIfAny();

        if (!caller.CanWrite)
        {
            ApiErrors.PermissionDenied("Cohorts are created by an owner or editor of the college or of a sponsoring enterprise.");
        }
        if (!caller.ActsFor(collegeCode) && !cohort.Sponsors.Any(s => caller.ActsFor(s.Organization.CreditCode)))
        {
            ApiErrors.PermissionDenied("A cohort is created by its college or one of its sponsors, for itself.");
        }

        var call = new WriteCall(nameof(CreateCohort), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = new CohortRow
            {
                Id = Guid.CreateVersion7(),
                Kind = (short)cohort.Kind,
                CollegeCode = collegeCode,
                CollegeName = cohort.College!.Name.Trim(),
                State = (short)State.Draft,
            };
            Apply(row, cohort, DetailPaths.Concat(TermPaths));
            var sponsors = cohort.Sponsors.Select(s => new SponsorRow
            {
                CohortId = row.Id,
                CreditCode = s.Organization.CreditCode,
                OrgName = s.Organization.Name.Trim(),
                JoinedDate = (s.JoinedDate.ToDateOnly() ?? Dates.Today).ToDateTime(TimeOnly.MinValue),
            });
            var created = await CohortStore.InsertAsync(connection, transaction, row, sponsors);
            var name = CohortNames.Cohort(row.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(CreateCohort), "", State.Draft.ToString());
            return created.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<Cohort> UpdateCohort(UpdateCohortRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Cohort ?? new Cohort();
        var id = ParseCohort(patch.Name, "cohort.name");
        var violations = new FieldViolations();
        // A cohort's terms need both parties' consent, so a field is never changed by mere presence: name it in the mask.
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, CohortPaths, violations, inferWhenEmpty: false);
        violations.ThrowIfAny();
        ValidateDetails(patch, violations, paths);
        ValidateTerms(patch, violations, paths);
        violations.ThrowIfAny();

        var name = CohortNames.Cohort(id);
        var call = new WriteCall(nameof(UpdateCohort), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await CohortStore.LockAsync(connection, transaction, id);
            if (row is null)
            {
                ApiErrors.NotFound(name);
            }
            var party = CohortAccess.PartyOf(caller, row.CollegeCode, row.CurrentSponsorCodes);
            if (party == Party.None)
            {
                // The college's content edits may also be made by an organisation the college granted editor rights on this
                // cohort. Such an edit is the college's side of the agreement (a change of terms awaits the sponsor's
                // confirmation as any college edit does); a sponsor always acts for itself, so it never confirms its own change.
                await grants.EnsureCanEditAsync(context, caller, name, row.CollegeCode,
                    CohortAccess.CanRead(caller, row.CollegeCode, row.AllSponsorCodes),
                    $"Only an owner or editor of the college or a sponsor, or an organisation the college granted editor rights, may update {name}.");
                party = Party.College;
            }
            ApiErrors.CheckEtag(patch.Etag, row.Etag, name);
            var from = row.CohortState;
            var before = (row.Seats, row.PlacementCommitment, row.StartDate, row.EndDate);
            if (paths.Any(DetailPaths.Contains) && !CohortLifecycle.DetailsEditable(from))
            {
                ApiErrors.InvalidState(name, nameof(UpdateCohort) + " of its details", from.ToString());
            }
            Apply(row, patch, paths);
            var termsChanged = before != (row.Seats, row.PlacementCommitment, row.StartDate, row.EndDate);
            if (termsChanged)
            {
                if (CohortLifecycle.Next(from, CohortLifecycle.Amend(party)) is not { } next)
                {
                    ApiErrors.InvalidState(name, nameof(UpdateCohort) + " of its terms", from.ToString());
                    return null!;
                }
                if (row.PlacementCommitment > row.Seats)
                {
                    ApiErrors.InvalidArgument("cohort.placement_commitment", $"must not exceed the seats ({row.Seats}).");
                }
                if (row.EndDate <= row.StartDate)
                {
                    ApiErrors.InvalidArgument("cohort.end_date", "must be after the start date.");
                }
                if (row.Seats < await CohortStore.CountEnrolledAsync(connection, transaction, id))
                {
                    ApiErrors.FailedPrecondition("SEATS_BELOW_ENROLMENT", $"{name} already enrols more learners than {row.Seats} seats.");
                }
                row.State = (short)next;
                if (next != from)
                {
                    row.StateReason = $"terms changed by the {(party == Party.College ? "college" : "enterprise")}; awaiting confirmation";
                }
            }
            var updated = await CohortStore.UpdateAsync(connection, transaction, row);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(UpdateCohort),
                from.ToString(), updated.CohortState.ToString(), string.Join(",", paths));
            return updated.ToProto();
        }, [CohortCache.Key(id)], context.CancellationToken);
    }

    public override Task<Cohort> SubmitCohort(SubmitCohortRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, CohortLifecycle.Submit, null, context);

    public override Task<Cohort> ConfirmCohort(ConfirmCohortRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, CohortLifecycle.Confirm, null, context);

    public override Task<Cohort> ApproveCohort(ApproveCohortRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, _ => CohortAction.Approve, null, context);

    public override Task<Cohort> OpenCohortRecruitment(OpenCohortRecruitmentRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, _ => CohortAction.OpenRecruitment, null, context);

    public override Task<Cohort> StartCohortTraining(StartCohortTrainingRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, _ => CohortAction.StartTraining, null, context);

    public override Task<Cohort> GraduateCohort(GraduateCohortRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, _ => CohortAction.Graduate, null, context);

    public override Task<Cohort> CloseCohort(CloseCohortRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, _ => CohortAction.Close, null, context);

    public override Task<Cohort> CancelCohort(CancelCohortRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, _ => CohortAction.Cancel, request.Reason ?? "", context);

    private async Task<Cohort> TransitionAsync(IMessage request, string cohortName, string etag, string requestId,
        Func<Party, CohortAction> actionFor, string? reason, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(requestId);
        if (!CohortNames.TryParseCohort(cohortName, out var id))
        {
            violations.Add("name", "must look like cohorts/{cohort}.");
        }
        if (reason is not null)
        {
            violations.Text("reason", reason, MaxReasonLength, required: false);
        }
        violations.ThrowIfAny();

        var method = request.Descriptor.Name.Replace("Request", "", StringComparison.Ordinal);
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, cohortName);
            var party = CohortAccess.PartyOf(caller, row.CollegeCode, row.CurrentSponsorCodes);
            var action = actionFor(party);
            if (!CohortLifecycle.IsAllowed(action, party, caller.IsAdmin))
            {
                ApiErrors.PermissionDenied(action == CohortAction.Approve
                    ? "Only the city's admins approve cohorts."
                    : $"{method} of {cohortName} is not for this caller (the college, a sponsor or an admin acts, as owner or editor).");
            }
            ApiErrors.CheckEtag(etag, row.Etag, cohortName);
            var from = row.CohortState;
            if (CohortLifecycle.Next(from, action) is not { } next)
            {
                ApiErrors.InvalidState(cohortName, method, from.ToString());
                return null!;
            }
            row.State = (short)next;
            row.StateReason = reason?.Trim() ?? "";
            var updated = await CohortStore.UpdateAsync(connection, transaction, row);
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, cohortName, method, from.ToString(), next.ToString(), row.StateReason);
            return updated.ToProto();
        }, [CohortCache.Key(id)], context.CancellationToken);
    }

    // ---------------------------------------------------------------- enrolments

    public override async Task<Enrolment> CreateEnrolment(CreateEnrolmentRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCohort(request.Parent, "parent");
        var enrolment = request.Enrolment ?? new Enrolment();
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (RosterImport.CheckStudentNumber(enrolment.StudentNumber.Trim()) is { } numberProblem)
        {
            violations.Add("enrolment.student_number", numberProblem);
        }
        violations.Text("enrolment.display_name", enrolment.DisplayName, RosterImport.MaxPersonNameLength);
        if (IdentityNumber.Check(enrolment.IdentityNumber.Trim()) is { } identityProblem)
        {
            violations.Add("enrolment.identity_number", identityProblem);
        }
        violations.Text("enrolment.college_mentor", enrolment.CollegeMentor, RosterImport.MaxPersonNameLength, required: false);
        violations.Text("enrolment.enterprise_mentor", enrolment.EnterpriseMentor, RosterImport.MaxPersonNameLength, required: false);
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
        }, [CohortCache.Key(id)], context.CancellationToken);
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
        if (paths.Contains("display_name")) { violations.Text("enrolment.display_name", patch.DisplayName, RosterImport.MaxPersonNameLength); }
        if (paths.Contains("college_mentor")) { violations.Text("enrolment.college_mentor", patch.CollegeMentor, RosterImport.MaxPersonNameLength, required: false); }
        if (paths.Contains("enterprise_mentor")) { violations.Text("enrolment.enterprise_mentor", patch.EnterpriseMentor, RosterImport.MaxPersonNameLength, required: false); }
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
        return await import.ImportAsync(caller, context.GetHttpContext().Request.Headers.Authorization.ToString(), new ImportHeader(id, header.RequestId, header.AllowPartial),
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

    public override Task<Enrolment> StartEnrolment(EnrolmentActionRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, EnrolmentAction.Start, nameof(StartEnrolment), context);

    public override Task<Enrolment> PauseEnrolment(EnrolmentActionRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, EnrolmentAction.Pause, nameof(PauseEnrolment), context);

    public override Task<Enrolment> ResumeEnrolment(EnrolmentActionRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, EnrolmentAction.Resume, nameof(ResumeEnrolment), context);

    public override Task<Enrolment> WithdrawEnrolment(EnrolmentActionRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, EnrolmentAction.Withdraw, nameof(WithdrawEnrolment), context);

    public override Task<Enrolment> CompleteEnrolment(EnrolmentActionRequest request, ServerCallContext context) =>
        EnrolmentTransitionAsync(request, EnrolmentAction.Complete, nameof(CompleteEnrolment), context);

    private async Task<Enrolment> EnrolmentTransitionAsync(EnrolmentActionRequest request, EnrolmentAction action, string method, ServerCallContext context)
    {
        var caller = Caller.From(context);
        new FieldViolations().RequestId(request.RequestId).ThrowIfAny();
        var (cohortId, enrolmentId) = ParseEnrolment(request.Name, "name");
        var cohortName = CohortNames.Cohort(cohortId);
        var call = new WriteCall(method, caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var cohort = await LockVisibleAsync(context, connection, transaction, caller, cohortId, cohortName);
            var row = await CohortStore.LockEnrolmentAsync(connection, transaction, cohortId, enrolmentId);
            if (row is null)
            {
                ApiErrors.NotFound(request.Name);
            }
            if (!caller.CanEditFor(cohort.CollegeCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the college may {action} an enrolment.");
            }
            ApiErrors.CheckEtag(request.Etag, row.Etag, request.Name);
            if (!CohortLifecycle.RunsEnrolments(cohort.CohortState) && action != EnrolmentAction.Withdraw)
            {
                ApiErrors.InvalidState(cohortName, method, cohort.CohortState.ToString());
            }
            var from = row.EnrolmentState;
            if (EnrolmentLifecycle.Next(from, action) is not { } next)
            {
                ApiErrors.InvalidState(request.Name, method, from.ToString());
                return null!;
            }
            row.State = (short)next;
            var updated = await CohortStore.UpdateEnrolmentAsync(connection, transaction, row);
            if (next == EnrolmentState.Withdrawn)
            {
                await CohortStore.TouchAsync(connection, transaction, cohortId);
            }
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, request.Name, method, from.ToString(), next.ToString());
            return updated.ToProto();
        }, [CohortCache.Key(cohortId)], context.CancellationToken);
    }

    // ---------------------------------------------------------------- placements

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

    public override Task<Placement> AcceptPlacement(PlacementActionRequest request, ServerCallContext context) =>
        PlacementActAsync(request, request.Name, request.Etag, request.RequestId, PlacementAction.Accept, nameof(AcceptPlacement), context,
            (_, _, current) => (current!.EmployerCode, current.EmployerName, current.InCity, current.StartDate));

    public override Task<Placement> DeclinePlacement(PlacementActionRequest request, ServerCallContext context) =>
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

    // ---------------------------------------------------------------- sponsor changes

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

    public override Task<SponsorChange> ApproveSponsorChange(SponsorChangeActionRequest request, ServerCallContext context) =>
        SponsorChangeActAsync(request, SponsorChangeAction.Approve, nameof(ApproveSponsorChange), context);

    public override Task<SponsorChange> RejectSponsorChange(SponsorChangeActionRequest request, ServerCallContext context) =>
        SponsorChangeActAsync(request, SponsorChangeAction.Reject, nameof(RejectSponsorChange), context);

    public override Task<SponsorChange> WithdrawSponsorChange(SponsorChangeActionRequest request, ServerCallContext context) =>
        SponsorChangeActAsync(request, SponsorChangeAction.Withdraw, nameof(WithdrawSponsorChange), context);

    private async Task<SponsorChange> SponsorChangeActAsync(SponsorChangeActionRequest request, SponsorChangeAction action, string method,
        ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Text("reason", request.Reason, MaxReasonLength, required: false);
        if (!CohortNames.TryParseSponsorChange(request.Name, out var cohortId, out var enrolmentId, out var changeId))
        {
            violations.Add("name", "must look like cohorts/{cohort}/enrolments/{enrolment}/sponsorChanges/{sponsor_change}.");
        }
        violations.ThrowIfAny();
        var cohortName = CohortNames.Cohort(cohortId);
        var call = new WriteCall(method, caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var cohort = await LockVisibleAsync(context, connection, transaction, caller, cohortId, cohortName);
            var enrolment = await CohortStore.LockEnrolmentAsync(connection, transaction, cohortId, enrolmentId);
            var change = enrolment is null ? null : await CohortStore.LockSponsorChangeAsync(connection, transaction, enrolmentId, changeId);
            if (enrolment is null || change is null)
            {
                ApiErrors.NotFound(request.Name);
            }
            var allowed = action == SponsorChangeAction.Withdraw ? caller.CanEditFor(cohort.CollegeCode) : caller.CanEditFor(change.ToCode);
            if (!allowed)
            {
                ApiErrors.PermissionDenied(action == SponsorChangeAction.Withdraw
                    ? "The college that requested the change withdraws it."
                    : "The receiving sponsor approves or rejects a change of sponsor.");
            }
            ApiErrors.CheckEtag(request.Etag, change.Etag, request.Name);
            if (SponsorChangeLifecycle.Next(change.ChangeState, action) is not { } next)
            {
                ApiErrors.InvalidState(request.Name, method, change.ChangeState.ToString());
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
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, request.Name, method,
                change.ChangeState.ToString(), next.ToString(), request.Reason.Trim());
            return updated.ToProto();
        }, [], context.CancellationToken);
    }

    // ---------------------------------------------------------------- outcomes and audit

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

    // ---------------------------------------------------------------- helpers

    /// <summary>The cohort when the caller may see it (by the visibility rule or a partner grant of the college); NOT_FOUND otherwise.</summary>
    private async Task<Cohort> RequireReadableAsync(ServerCallContext context, Caller caller, Guid id, string name)
    {
        var cancellationToken = context.CancellationToken;
        var key = CohortCache.Key(id);
        Cohort? cohort = null;
        if (await cache.GetAsync(key) is { } cached)
        {
            cohort = Cohort.Parser.ParseFrom(cached);
        }
        else if (await store.FindAsync(id, cancellationToken) is { } row)
        {
            cohort = row.ToProto();
            await cache.SetAsync(key, cohort.ToByteArray());
        }
        if (cohort is null || !await grants.CanReadAsync(context, caller, CohortNames.Cohort(id), cohort.College.CreditCode,
                CohortAccess.CanRead(caller, cohort.College.CreditCode, cohort.Sponsors.Select(s => s.Organization.CreditCode))))
        {
            ApiErrors.NotFound(name);
        }
        return cohort;
    }

    /// <summary>Locks the cohort; NOT_FOUND when it does not exist or the caller may not see it (by rule or a grant of the college).</summary>
    private async Task<CohortRow> LockVisibleAsync(ServerCallContext context, NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, Guid id, string name)
    {
        var row = await CohortStore.LockAsync(connection, transaction, id);
        if (row is null || !await grants.CanReadAsync(context, caller, CohortNames.Cohort(id), row.CollegeCode,
                CohortAccess.CanRead(caller, row.CollegeCode, row.AllSponsorCodes)))
        {
            ApiErrors.NotFound(name);
        }
        return row;
    }

    private void ValidateDetails(Cohort cohort, FieldViolations violations, IEnumerable<string> paths)
    {
        var only = paths.ToHashSet();
        if (only.Contains("display_name")) { violations.Text("cohort.display_name", cohort.DisplayName, MaxNameLength); }
        if (only.Contains("industrial_college_name")) { violations.Text("cohort.industrial_college_name", cohort.IndustrialCollegeName, MaxNameLength, required: false); }
        if (only.Contains("industry_chain")) { violations.Text("cohort.industry_chain", cohort.IndustryChain, MaxChainLength); }
        if (only.Contains("major_code"))
        {
            CheckCode(violations, "cohort.major_code", "cohort.major_catalogue_version", cohort.MajorCode, cohort.MajorCatalogueVersion,
                codeLists.Majors, codeLists.LatestMajorVersion);
        }
        if (only.Contains("occupation_code"))
        {
            CheckCode(violations, "cohort.occupation_code", "cohort.occupation_catalogue_version", cohort.OccupationCode, cohort.OccupationCatalogueVersion,
                codeLists.Occupations, codeLists.LatestOccupationVersion);
        }
    }

    private static void CheckCode(FieldViolations violations, string field, string versionField, string code, string version,
        IReadOnlyDictionary<string, CodeList> lists, string latest)
    {
        var list = lists.GetValueOrDefault(version.Length == 0 ? latest : version);
        if (list is null)
        {
            violations.Add(versionField, $"is not a known version (known: {string.Join(", ", lists.Keys)}).");
        }
        else if (string.IsNullOrEmpty(code))
        {
            violations.Add(field, "is required.");
        }
        else if (!list.Contains(code))
        {
            violations.Add(field, $"is not in the {list.Name} list version {list.Version}.");
        }
    }

    private static void ValidateTerms(Cohort cohort, FieldViolations violations, IEnumerable<string> paths)
    {
        var only = paths.ToHashSet();
        if (only.Contains("seats")) { violations.Range("cohort.seats", cohort.Seats, 1, MaxSeats); }
        if (only.Contains("placement_commitment"))
        {
            violations.Range("cohort.placement_commitment", cohort.PlacementCommitment, 0, MaxSeats);
            if (only.Contains("seats") && cohort.PlacementCommitment > cohort.Seats && cohort.Seats > 0)
            {
                violations.Add("cohort.placement_commitment", $"must not exceed the seats ({cohort.Seats}).");
            }
        }
        var start = cohort.StartDate.ToDateOnly();
        var end = cohort.EndDate.ToDateOnly();
        if (only.Contains("start_date") && start is null)
        {
            violations.Add("cohort.start_date", cohort.StartDate.IsSet() ? "is not a valid calendar date." : "is required.");
        }
        if (only.Contains("end_date") && end is null)
        {
            violations.Add("cohort.end_date", cohort.EndDate.IsSet() ? "is not a valid calendar date." : "is required.");
        }
        if (only.Contains("start_date") && only.Contains("end_date") && start is not null && end is not null && end <= start)
        {
            violations.Add("cohort.end_date", "must be after the start date.");
        }
    }

    private void Apply(CohortRow row, Cohort patch, IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            switch (path)
            {
                case "display_name": row.DisplayName = patch.DisplayName.Trim(); break;
                case "industrial_college_name": row.IndustrialCollegeName = patch.IndustrialCollegeName.Trim(); break;
                case "industry_chain": row.IndustryChain = patch.IndustryChain.Trim(); break;
                case "major_code":
                    row.MajorCode = patch.MajorCode;
                    row.MajorVersion = patch.MajorCatalogueVersion.Length > 0 ? patch.MajorCatalogueVersion : codeLists.LatestMajorVersion;
                    break;
                case "occupation_code":
                    row.OccupationCode = patch.OccupationCode;
                    row.OccupationVersion = patch.OccupationCatalogueVersion.Length > 0 ? patch.OccupationCatalogueVersion : codeLists.LatestOccupationVersion;
                    break;
                case "seats": row.Seats = patch.Seats; break;
                case "placement_commitment": row.PlacementCommitment = patch.PlacementCommitment; break;
                case "start_date": row.StartDate = patch.StartDate.ToDateOnly()!.Value.ToDateTime(TimeOnly.MinValue); break;
                case "end_date": row.EndDate = patch.EndDate.ToDateOnly()!.Value.ToDateTime(TimeOnly.MinValue); break;
            }
        }
    }

    private static Guid ParseCohort(string name, string field)
    {
        if (!CohortNames.TryParseCohort(name, out var id))
        {
            ApiErrors.InvalidArgument(field, "must look like cohorts/{cohort}.");
        }
        return id;
    }

    private static (Guid CohortId, Guid EnrolmentId) ParseEnrolment(string name, string field)
    {
        if (!CohortNames.TryParseEnrolment(name, out var cohortId, out var enrolmentId))
        {
            ApiErrors.InvalidArgument(field, "must look like cohorts/{cohort}/enrolments/{enrolment}.");
        }
        return (cohortId, enrolmentId);
    }

    private static (Guid CohortId, Guid EnrolmentId) ParsePlacement(string name)
    {
        if (!CohortNames.TryParsePlacement(name, out var cohortId, out var enrolmentId))
        {
            ApiErrors.InvalidArgument("name", "must look like cohorts/{cohort}/enrolments/{enrolment}/placement.");
        }
        return (cohortId, enrolmentId);
    }
}
