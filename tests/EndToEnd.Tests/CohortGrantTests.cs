using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// Partner grants on cohorts, with real tokens and the real identity service: a college grants another
/// organisation rights on one cohort. An editor grant lets the grantee make the college's content edits of
/// that cohort (and a change of terms still awaits the sponsor's confirmation); never the lifecycle, the
/// roster, the audit trail or another cohort. Identity numbers stay masked; revocation is immediate.
/// </summary>
public sealed class CohortGrantTests(PlatformFixture platform)
{
    private const string College = "cohort-college";
    private const string Sponsor = "cohort-sponsor";
    private const string Grantee = "stranger";
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    private async Task<CohortService.CohortServiceClient> ClientAsync(string key) =>
        platform.Client<CohortService.CohortServiceClient>(await platform.OwnerTokenAsync(key));

    private async Task<Cohort> CreateDraftAsync(CohortService.CohortServiceClient college) =>
        await college.CreateCohortAsync(new CreateCohortRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Cohort = new Cohort
            {
                Kind = Cohort.Types.Kind.OrderClass,
                DisplayName = $"Grant test cohort {Guid.NewGuid():N}"[..40],
                College = new Organization { CreditCode = platform.Code(College), Name = "E2E Technician College" },
                Sponsors = { new Sponsor { Organization = new Organization { CreditCode = platform.Code(Sponsor), Name = "E2E Hydraulics Co." } } },
                MajorCode = "460103",
                OccupationCode = "6-18-01-07",
                IndustryChain = "advanced-equipment",
                Seats = 40,
                PlacementCommitment = 30,
                StartDate = new Google.Type.Date { Year = 2026, Month = 9, Day = 1 },
                EndDate = new Google.Type.Date { Year = 2028, Month = 6, Day = 30 },
            },
        }, Deadline);

    /// <summary>Proposed by the college and confirmed by the sponsor.</summary>
    private async Task<Cohort> AgreedAsync(CohortService.CohortServiceClient college)
    {
        var draft = await CreateDraftAsync(college);
        await college.SubmitCohortAsync(new SubmitCohortRequest { Name = draft.Name }, Deadline);
        return await (await ClientAsync(Sponsor)).ConfirmCohortAsync(new ConfirmCohortRequest { Name = draft.Name }, Deadline);
    }

    private static Task<Cohort> UpdateAsync(CohortService.CohortServiceClient client, Cohort patch, params string[] paths) =>
        client.UpdateCohortAsync(new UpdateCohortRequest { Cohort = patch, UpdateMask = new FieldMask { Paths = { paths } } }, Deadline).ResponseAsync;

    private static Task<Cohort> GetAsync(CohortService.CohortServiceClient client, string name) =>
        client.GetCohortAsync(new GetCohortRequest { Name = name }, Deadline).ResponseAsync;

    private static async Task<ImportEnrolmentsResponse> ImportAsync(CohortService.CohortServiceClient client, string parent, string identity)
    {
        using var call = client.ImportEnrolments(Deadline);
        return await Collaboration.TestSupport.ClientStreams.SendAsync(call,
        [
            new ImportEnrolmentsRequest { Header = new ImportEnrolmentsRequest.Types.Header { Parent = parent, RequestId = Guid.NewGuid().ToString() } },
            new ImportEnrolmentsRequest
            {
                Rows = new RosterRows { Rows = { new RosterRow { StudentNumber = StudentNumber(), DisplayName = "Grant Test", IdentityNumber = identity } } },
            },
        ]);
    }

    private static async Task<StatusCode> CodeOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        return error.StatusCode;
    }

    [Fact]
    public async Task EditorGrant_LetsTheGranteeFillInThatDraftOnly_TermsStillNeedTheSponsor_UntilRevoked()
    {
        var college = await ClientAsync(College);
        var sponsor = await ClientAsync(Sponsor);
        var partner = await ClientAsync(Grantee);
        var draft = await CreateDraftAsync(college);
        var other = await CreateDraftAsync(college);

        // Before: the stranger does not learn the cohort exists.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, draft.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => UpdateAsync(partner, new Cohort { Name = draft.Name, DisplayName = "taken over" }, "display_name")));

        var grant = await platform.GrantAsync(College, draft.Name, Grantee, "editor");

        // While granted: the grantee reads the draft and its (empty) roster and fills in its content for the college.
        var seen = await GetAsync(partner, draft.Name);
        Assert.Empty((await partner.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = draft.Name }, Deadline)).Enrolments);
        var filled = await UpdateAsync(partner, new Cohort
        {
            Name = draft.Name, Etag = seen.Etag, DisplayName = $"Filled in by the partner {Guid.NewGuid():N}"[..40], Seats = 45,
        }, "display_name", "seats");
        Assert.Equal((State.Draft, 45, platform.Code(College)), (filled.State, filled.Seats, filled.College.CreditCode));
        Assert.Equal(filled.DisplayName, (await GetAsync(college, draft.Name)).DisplayName);

        // Never wider: not the college's other cohort, not the lifecycle, not the roster, not the audit trail, not the lists.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, other.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => UpdateAsync(partner, new Cohort { Name = other.Name, DisplayName = "not granted" }, "display_name")));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.SubmitCohortAsync(new SubmitCohortRequest { Name = draft.Name, Etag = filled.Etag }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.CancelCohortAsync(new CancelCohortRequest { Name = draft.Name, Reason = "not mine" }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => ImportAsync(partner, draft.Name, IdentityNumber())));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => partner.CreateEnrolmentAsync(new CreateEnrolmentRequest
        {
            Parent = draft.Name,
            Enrolment = new Enrolment { StudentNumber = StudentNumber(), DisplayName = "Grant Test", IdentityNumber = IdentityNumber() },
        }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = draft.Name }, Deadline).ResponseAsync));
        var list = await partner.ListCohortsAsync(new ListCohortsRequest { PageSize = 200, CollegeCreditCode = platform.Code(College) }, Deadline);
        Assert.DoesNotContain(list.Cohorts, c => c.Name == other.Name);
        Assert.Equal(filled.Etag, (await GetAsync(college, draft.Name)).Etag);

        // The two-party agreement holds: once agreed, the grantee's change of terms is the college's and awaits the sponsor.
        await college.SubmitCohortAsync(new SubmitCohortRequest { Name = draft.Name }, Deadline);
        var agreed = await sponsor.ConfirmCohortAsync(new ConfirmCohortRequest { Name = draft.Name }, Deadline);
        Assert.Equal(State.Agreed, agreed.State);
        var amended = await UpdateAsync(partner, new Cohort { Name = draft.Name, Etag = agreed.Etag, PlacementCommitment = 20 }, "placement_commitment");
        Assert.Equal(State.AwaitingEnterprise, amended.State);
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.ConfirmCohortAsync(new ConfirmCohortRequest { Name = draft.Name }, Deadline).ResponseAsync));
        Assert.Equal(State.Agreed, (await sponsor.ConfirmCohortAsync(new ConfirmCohortRequest { Name = draft.Name }, Deadline)).State);

        await platform.RevokeAsync(College, grant);

        // Gone on the next call: back to NOT_FOUND, the cohort as the parties left it.
        var before = await GetAsync(college, draft.Name);
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, draft.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => UpdateAsync(partner, new Cohort { Name = draft.Name, Seats = 50 }, "seats")));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() =>
            partner.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = draft.Name }, Deadline).ResponseAsync));
        Assert.Equal(before.Etag, (await GetAsync(college, draft.Name)).Etag);

        // Both the grant and its revocation are in the college's identity audit.
        var audit = await platform.IdentityAuditAsync(College);
        Assert.Contains("grant.created", audit);
        Assert.Contains("grant.revoked", audit);
        Assert.Contains(draft.Name, audit);
    }

    [Fact]
    public async Task ViewerGrant_ReadsTheCohortAndItsMaskedRoster_ButNeverWrites()
    {
        var college = await ClientAsync(College);
        var partner = await ClientAsync(Grantee);
        var agreed = await AgreedAsync(college);
        var admin = platform.Client<CohortService.CohortServiceClient>(await platform.AdminTokenAsync());
        await admin.ApproveCohortAsync(new ApproveCohortRequest { Name = agreed.Name }, Deadline);
        await college.OpenCohortRecruitmentAsync(new OpenCohortRecruitmentRequest { Name = agreed.Name }, Deadline);
        var identity = IdentityNumber();
        var enrolment = await college.CreateEnrolmentAsync(new CreateEnrolmentRequest
        {
            Parent = agreed.Name,
            Enrolment = new Enrolment { StudentNumber = StudentNumber(), DisplayName = "Grant Learner", IdentityNumber = identity },
        }, Deadline);
        var cohort = await GetAsync(college, agreed.Name);

        var grant = await platform.GrantAsync(College, cohort.Name, Grantee, "viewer");

        Assert.Equal(cohort.DisplayName, (await GetAsync(partner, cohort.Name)).DisplayName);
        var roster = await partner.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = cohort.Name }, Deadline);
        Assert.Equal("**************" + identity[^4..], Assert.Single(roster.Enrolments).MaskedIdentityNumber);
        var single = await partner.GetEnrolmentAsync(new GetEnrolmentRequest { Name = enrolment.Name }, Deadline);
        Assert.DoesNotContain(identity, JsonFormatter.Default.Format(roster) + JsonFormatter.Default.Format(single), StringComparison.Ordinal);

        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => UpdateAsync(partner, new Cohort { Name = cohort.Name, Seats = 41 }, "seats")));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.StartCohortTrainingAsync(new StartCohortTrainingRequest { Name = cohort.Name }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => ImportAsync(partner, cohort.Name, IdentityNumber())));
        using (var csv = new HttpRequestMessage(HttpMethod.Post, $"/v1/{cohort.Name}:importEnrolments?request_id={Guid.NewGuid()}")
        {
            Content = new StringContent($"student_number,display_name,identity_number\n{StudentNumber()},Csv Learner,{IdentityNumber()}\n", Encoding.UTF8, "text/csv"),
        })
        {
            csv.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await platform.OwnerTokenAsync(Grantee));
            using var response = await platform.GatewayHttp.SendAsync(csv, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        var after = await GetAsync(college, cohort.Name);
        Assert.Equal((cohort.Etag, 1), (after.Etag, after.EnrolledCount));

        await platform.RevokeAsync(College, grant);
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, cohort.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() =>
            partner.GetEnrolmentAsync(new GetEnrolmentRequest { Name = enrolment.Name }, Deadline).ResponseAsync));
    }

    [Fact]
    public async Task SponsorWithAnEditorGrant_StillActsForItself_NeverConfirmsItsOwnChange()
    {
        var college = await ClientAsync(College);
        var sponsor = await ClientAsync(Sponsor);
        var agreed = await AgreedAsync(college);

        var grant = await platform.GrantAsync(College, agreed.Name, Sponsor, "editor");

        // The sponsor's change of terms is the enterprise's, so the college must confirm it; the sponsor cannot.
        var amended = await UpdateAsync(sponsor, new Cohort { Name = agreed.Name, Etag = agreed.Etag, Seats = 42 }, "seats");
        Assert.Equal(State.AwaitingCollege, amended.State);
        Assert.Equal(StatusCode.FailedPrecondition, await CodeOf(() =>
            sponsor.ConfirmCohortAsync(new ConfirmCohortRequest { Name = agreed.Name }, Deadline).ResponseAsync));
        Assert.Equal(State.Agreed, (await college.ConfirmCohortAsync(new ConfirmCohortRequest { Name = agreed.Name }, Deadline)).State);

        await platform.RevokeAsync(College, grant);
    }

    [Fact]
    public async Task GrantByAnOrganisationThatDoesNotOwnTheCohort_GivesNothing()
    {
        var college = await ClientAsync(College);
        var partner = await ClientAsync(Grantee);
        var draft = await CreateDraftAsync(college);

        // The sponsor is a party to the cohort but not its owner: its grant names the cohort but is not the college's.
        var grant = await platform.GrantAsync(Sponsor, draft.Name, Grantee, "editor");

        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, draft.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => UpdateAsync(partner, new Cohort { Name = draft.Name, DisplayName = "via the sponsor" }, "display_name")));
        await platform.RevokeAsync(Sponsor, grant);
    }

    private static string StudentNumber() => $"G-{Guid.NewGuid():N}"[..20];

    /// <summary>A synthetic identity number: 17 random digits completed with the GB 11643 check character.</summary>
    private static string IdentityNumber()
    {
        var first17 = "4313" + string.Concat(Enumerable.Range(0, 13).Select(_ => (char)('0' + Random.Shared.Next(10))));
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = first17.Select((c, i) => (c - '0') * weights[i]).Sum();
        return first17 + "10X98765432"[sum % 11];
    }

    private async Task<SharedWithMeChecks<State>> SharedWithMeAsync()
    {
        var owner = await ClientAsync(College);
        var partner = await ClientAsync(Grantee);
        return new(platform, College, Grantee, Sponsor, async () => (await CreateDraftAsync(owner)).Name,
            async (sharedWithMe, state, pageSize, pageToken) =>
            {
                var page = await partner.ListCohortsAsync(new ListCohortsRequest { SharedWithMe = sharedWithMe, State = state, PageSize = pageSize, PageToken = pageToken }, Deadline);
                return ([.. page.Cohorts.Select(r => r.Name)], page.NextPageToken);
            },
            State.Unspecified, State.Draft, State.InTraining);
    }

    [Fact]
    public async Task SharedWithMe_ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation() =>
        await (await SharedWithMeAsync()).ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation();

    [Fact]
    public async Task SharedWithMe_PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter() =>
        await (await SharedWithMeAsync()).PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter();
}
