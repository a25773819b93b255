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
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Grpc;

// Cohorts and their lifecycle (the two-party agreement, the city's approval, the run of the cohort).
// RPC                     store (Data/CohortStore)           rule (Model/)
// GetCohort               CohortGate.ReadableAsync → FindAsync  CohortAccess.CanRead (or a partner grant)
// ListCohorts             ListAsync                          CohortAccess.CanRead (mirrored in the list query)
// CreateCohort            InsertAsync                        a new cohort is DRAFT; created by its college or a sponsor;
//                                                            CohortOrganizations (registered kinds of the college and sponsors)
// UpdateCohort            LockAsync, UpdateAsync             CohortLifecycle.DetailsEditable, CohortLifecycle.Amend
// SubmitCohort … Cancel   LockAsync, UpdateAsync             CohortLifecycle.Next, CohortLifecycle.IsAllowed
//   (SubmitCohort, ConfirmCohort, ApproveCohort, OpenCohortRecruitment, StartCohortTraining, GraduateCohort,
//    CloseCohort, CancelCohort: one TransitionAsync)
public sealed partial class CohortsGrpcService
{
    private static readonly HashSet<string> TermPaths = ["seats", "placement_commitment", "start_date", "end_date"];
    private static readonly HashSet<string> DetailPaths = ["display_name", "industrial_college_name", "major_code", "occupation_code", "industry_chain"];
    private static readonly HashSet<string> CohortPaths = [.. DetailPaths, .. TermPaths];

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
            request.IndustryChain, request.EndYear, request.SharedWithMe);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var shared = request.SharedWithMe ? await grants.SharedWithCallerAsync(context, caller, CohortNames.CollectionId) : null;
        var filter = new CohortFilter((short)request.State, (short)request.Kind, request.CollegeCreditCode, request.SponsorCreditCode,
            request.IndustryChain, request.EndYear, shared);
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
        if (collegeCode.Length == 0 && CohortOrganizations.CollegeKinds.Contains(caller.OrganizationKind))
        {
            collegeCode = caller.Organization;
        }
        violations.CreditCode("cohort.college.credit_code", collegeCode);
        if (cohort.Sponsors.Count == 0)
        {
            violations.Add("cohort.sponsors", "name at least one sponsoring enterprise.");
        }
        for (var i = 0; i < cohort.Sponsors.Count; i++)
        {
            var sponsor = cohort.Sponsors[i];
            violations.CreditCode($"cohort.sponsors[{i}].organization.credit_code", sponsor.Organization?.CreditCode);
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
        var registered = await directory.LookupManyAsync(context,
            [("cohort.college.credit_code", collegeCode),
             .. cohort.Sponsors.Select((s, i) => ($"cohort.sponsors[{i}].organization.credit_code", s.Organization.CreditCode))]);
        var college = registered[collegeCode];
        if (CohortOrganizations.CollegeViolation(college) is { } notCollege)
        {
            violations.Add("cohort.college.credit_code", notCollege);
        }
        for (var i = 0; i < cohort.Sponsors.Count; i++)
        {
            if (CohortOrganizations.SponsorViolation(registered[cohort.Sponsors[i].Organization.CreditCode]) is { } notSponsor)
            {
                violations.Add($"cohort.sponsors[{i}].organization.credit_code", notSponsor);
            }
        }
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(CreateCohort), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = new CohortRow
            {
                Id = Guid.CreateVersion7(),
                Kind = (short)cohort.Kind,
                CollegeCode = collegeCode,
                CollegeName = college.Name,
                CollegeKind = (short)college.Kind,
                State = (short)State.Draft,
            };
            Apply(row, cohort, DetailPaths.Concat(TermPaths));
            var sponsors = cohort.Sponsors.Select(s => new SponsorRow
            {
                CohortId = row.Id,
                CreditCode = s.Organization.CreditCode,
                OrgName = registered[s.Organization.CreditCode].Name,
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
        }, [CohortGate.CacheKey(id)], context.CancellationToken);
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

        var method = MethodOf(request);
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
        }, [CohortGate.CacheKey(id)], context.CancellationToken);
    }

    private void ValidateDetails(Cohort cohort, FieldViolations violations, IEnumerable<string> paths)
    {
        var only = paths.ToHashSet();
        if (only.Contains("display_name")) { violations.Text("cohort.display_name", cohort.DisplayName, MaxNameLength); }
        if (only.Contains("industrial_college_name")) { violations.Text("cohort.industrial_college_name", cohort.IndustrialCollegeName, MaxNameLength, required: false); }
        if (only.Contains("industry_chain")) { violations.Text("cohort.industry_chain", cohort.IndustryChain, MaxChainLength); }
        if (only.Contains("major_code"))
        {
            CodeLists.Check(violations, "cohort.major_code", "cohort.major_catalogue_version", [cohort.MajorCode], cohort.MajorCatalogueVersion,
                codeLists.Majors, codeLists.LatestMajorVersion);
        }
        if (only.Contains("occupation_code"))
        {
            CodeLists.Check(violations, "cohort.occupation_code", "cohort.occupation_catalogue_version", [cohort.OccupationCode], cohort.OccupationCatalogueVersion,
                codeLists.Occupations, codeLists.LatestOccupationVersion);
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
}
