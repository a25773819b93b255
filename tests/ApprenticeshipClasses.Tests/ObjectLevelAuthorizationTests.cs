using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Tests;

/// <summary>
/// Object level: an organisation unrelated to a cohort (an enterprise, or another college) never reads or
/// changes it, whichever way it asks: every list filter, a page token the college was given, the child
/// records, the streaming import and the CSV upload. Each refusal is NOT_FOUND (404) and writes nothing.
/// </summary>
public sealed class ObjectLevelAuthorizationTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);
    private readonly string _otherCollege = fixture.Directory.New("vocational_college");

    /// <summary>The unrelated callers: an enterprise and another vocational college, each as an owner.</summary>
    private IEnumerable<(string Organization, string Kind, CohortService.CohortServiceClient Client)> Strangers()
    {
        yield return (_as.Outsider, "enterprise", _as.OutsiderClient);
        yield return (_otherCollege, "vocational_college",
            fixture.Service.Client<CohortService.CohortServiceClient>(Tokens.For(_otherCollege, "vocational_college")));
    }

    public static TheoryData<string> ListFilters() =>
        ["none", "college_credit_code", "sponsor_credit_code", "state", "kind", "industry_chain", "end_year", "all"];

    private ListCohortsRequest Filtered(string filter, string chain) => filter switch
    {
        "none" => new ListCohortsRequest(),
        "college_credit_code" => new ListCohortsRequest { CollegeCreditCode = _as.College },
        "sponsor_credit_code" => new ListCohortsRequest { SponsorCreditCode = _as.Sponsor },
        "state" => new ListCohortsRequest { State = State.Draft },
        "kind" => new ListCohortsRequest { Kind = Cohort.Types.Kind.OrderClass },
        "industry_chain" => new ListCohortsRequest { IndustryChain = chain },
        "end_year" => new ListCohortsRequest { EndYear = 2027 },
        "all" => new ListCohortsRequest
        {
            CollegeCreditCode = _as.College, SponsorCreditCode = _as.Sponsor, State = State.Draft, Kind = Cohort.Types.Kind.OrderClass,
            IndustryChain = chain, EndYear = 2027,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(filter)),
    };

    [Theory]
    [MemberData(nameof(ListFilters))]
    public async Task ListCohorts_AnyFilter_NeverShowsAnotherCollegesCohorts(string filter)
    {
        var chain = TestChains.New();
        var cohort = await _as.CreateAsync(chain: chain);

        // The filter does match the cohort: its college sees it through it.
        var college = await _as.CollegeClient.ListCohortsAsync(With(Filtered(filter, chain), 200));
        Assert.Contains(college.Cohorts, c => c.Name == cohort.Name);

        foreach (var (_, _, stranger) in Strangers())
        {
            // A stranger with no cohort of its own sees none at all, whatever the filter names.
            var seen = await stranger.ListCohortsAsync(With(Filtered(filter, chain), 200));
            Assert.Empty(seen.Cohorts);
            Assert.Empty(seen.NextPageToken);
        }
    }

    [Fact]
    public async Task ListCohorts_CollegesPageTokenReplayedByAStranger_RevealsNothing_AndStaysBoundToTheQuery()
    {
        var chain = TestChains.New();
        for (var i = 0; i < 3; i++)
        {
            await _as.CreateAsync(chain: chain);
        }
        var first = await _as.CollegeClient.ListCohortsAsync(new ListCohortsRequest { IndustryChain = chain, PageSize = 1 });
        Assert.Single(first.Cohorts);
        Assert.NotEmpty(first.NextPageToken);
        // The college's own next page holds the rest.
        Assert.Equal(2, (await _as.CollegeClient.ListCohortsAsync(new ListCohortsRequest
        {
            IndustryChain = chain, PageSize = 10, PageToken = first.NextPageToken,
        })).Cohorts.Count);

        foreach (var (_, _, stranger) in Strangers())
        {
            var replayed = await stranger.ListCohortsAsync(new ListCohortsRequest { IndustryChain = chain, PageSize = 10, PageToken = first.NextPageToken });
            Assert.Empty(replayed.Cohorts);
            Assert.Empty(replayed.NextPageToken);
            // Bound to the query it was issued for: another filter with the same token is refused, whoever sends it.
            await GrpcAssert.InvalidFields(() => stranger.ListCohortsAsync(new ListCohortsRequest
            {
                CollegeCreditCode = _as.College, PageToken = first.NextPageToken,
            }).ResponseAsync, "page_token");
        }
    }

    [Fact]
    public async Task ChildRecords_EnrolmentsPlacementsRetentionSponsorChanges_NotFound_NothingWritten()
    {
        // A cohort in training, one learner completed and employed with a retention check, one live with a pending change of sponsor.
        var cohort = await _as.RecruitingAsync(twoSponsors: true);
        await Actors.ImportAsync(_as.CollegeClient, cohort.Name, [Actors.Row("K1"), Actors.Row("K2"), Actors.Row("K3")]);
        await _as.CollegeClient.StartCohortTrainingAsync(new StartCohortTrainingRequest { Name = cohort.Name });
        var learners = (await _as.EnrolmentsAsync(cohort.Name)).OrderBy(e => e.StudentNumber).ToList();
        var started = await _as.CollegeClient.StartEnrolmentAsync(new StartEnrolmentRequest { Name = learners[0].Name });
        var completed = await _as.CollegeClient.CompleteEnrolmentAsync(new CompleteEnrolmentRequest { Name = started.Name, Etag = started.Etag });
        var placementName = completed.Name + "/placement";
        await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = placementName });
        await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placementName });
        await _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest
        {
            Name = placementName, Employer = new Organization { CreditCode = _as.Sponsor, Name = "Test Hydraulics Co." },
            StartDate = new Google.Type.Date { Year = 2027, Month = 7, Day = 1 },
        });
        await _as.SponsorClient.RecordRetentionCheckAsync(new RecordRetentionCheckRequest
        {
            Name = placementName, Month = 6, StillEmployed = true, SameEmployer = true,
        });
        var live = await _as.CollegeClient.StartEnrolmentAsync(new StartEnrolmentRequest { Name = learners[1].Name });
        var change = await _as.CollegeClient.CreateSponsorChangeAsync(new CreateSponsorChangeRequest
        {
            Parent = live.Name, SponsorChange = new SponsorChange { ToSponsorCreditCode = _as.Sponsor2, Reason = "closer to home" },
        });
        var enrolmentPage = await _as.CollegeClient.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = cohort.Name, PageSize = 1 });
        Assert.NotEmpty(enrolmentPage.NextPageToken);
        var before = await SnapshotAsync(cohort.Name, placementName, live.Name);

        foreach (var (organization, _, stranger) in Strangers())
        {
            var calls = new (string What, Func<Task> Call)[]
            {
                ("GetCohort", () => stranger.GetCohortAsync(new GetCohortRequest { Name = cohort.Name }).ResponseAsync),
                ("ListEnrolments by state", () => stranger.ListEnrolmentsAsync(new ListEnrolmentsRequest
                {
                    Parent = cohort.Name, State = Enrolment.Types.State.Live,
                }).ResponseAsync),
                ("ListEnrolments with the college's page token", () => stranger.ListEnrolmentsAsync(new ListEnrolmentsRequest
                {
                    Parent = cohort.Name, PageSize = 1, PageToken = enrolmentPage.NextPageToken,
                }).ResponseAsync),
                ("GetEnrolment", () => stranger.GetEnrolmentAsync(new GetEnrolmentRequest { Name = live.Name }).ResponseAsync),
                ("GetPlacement", () => stranger.GetPlacementAsync(new GetPlacementRequest { Name = placementName }).ResponseAsync),
                ("ListSponsorChanges", () => stranger.ListSponsorChangesAsync(new ListSponsorChangesRequest { Parent = live.Name }).ResponseAsync),
                ("GetCohortOutcomes", () => stranger.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = cohort.Name }).ResponseAsync),
                ("ListAuditEntries", () => stranger.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohort.Name }).ResponseAsync),
                ("UpdateCohort details", () => stranger.UpdateCohortAsync(new UpdateCohortRequest
                {
                    Cohort = new Cohort { Name = cohort.Name, DisplayName = "Taken over" }, UpdateMask = Actors.Mask("display_name"),
                }).ResponseAsync),
                ("SubmitCohort", () => stranger.SubmitCohortAsync(new SubmitCohortRequest { Name = cohort.Name }).ResponseAsync),
                ("ConfirmCohort", () => stranger.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name }).ResponseAsync),
                ("GraduateCohort", () => stranger.GraduateCohortAsync(new GraduateCohortRequest { Name = cohort.Name }).ResponseAsync),
                ("CreateEnrolment", () => stranger.CreateEnrolmentAsync(new CreateEnrolmentRequest
                {
                    Parent = cohort.Name, Enrolment = new Enrolment { StudentNumber = "X1", DisplayName = "Intruder", IdentityNumber = Identities.New() },
                }).ResponseAsync),
                ("UpdateEnrolment", () => stranger.UpdateEnrolmentAsync(new UpdateEnrolmentRequest
                {
                    Enrolment = new Enrolment { Name = live.Name, EnterpriseMentor = "Intruder" }, UpdateMask = Actors.Mask("enterprise_mentor"),
                }).ResponseAsync),
                ("PauseEnrolment", () => stranger.PauseEnrolmentAsync(new PauseEnrolmentRequest { Name = live.Name }).ResponseAsync),
                ("WithdrawEnrolment", () => stranger.WithdrawEnrolmentAsync(new WithdrawEnrolmentRequest { Name = learners[2].Name }).ResponseAsync),
                ("RecordEmployment", () => stranger.RecordEmploymentAsync(new RecordEmploymentRequest
                {
                    Name = placementName, Employer = new Organization { CreditCode = organization, Name = "Intruder" },
                    StartDate = new Google.Type.Date { Year = 2027, Month = 8, Day = 1 },
                }).ResponseAsync),
                ("RecordRetentionCheck", () => stranger.RecordRetentionCheckAsync(new RecordRetentionCheckRequest
                {
                    Name = placementName, Month = 12, StillEmployed = false,
                }).ResponseAsync),
                ("CreateSponsorChange", () => stranger.CreateSponsorChangeAsync(new CreateSponsorChangeRequest
                {
                    Parent = learners[2].Name, SponsorChange = new SponsorChange { ToSponsorCreditCode = _as.Sponsor2, Reason = "intrusion" },
                }).ResponseAsync),
                ("ApproveSponsorChange", () => stranger.ApproveSponsorChangeAsync(new ApproveSponsorChangeRequest { Name = change.Name }).ResponseAsync),
                ("WithdrawSponsorChange", () => stranger.WithdrawSponsorChangeAsync(new WithdrawSponsorChangeRequest { Name = change.Name }).ResponseAsync),
            };
            foreach (var (what, call) in calls)
            {
                var error = await Assert.ThrowsAsync<RpcException>(call);
                Assert.True(error.StatusCode == StatusCode.NotFound, $"{what} by {organization}: expected NotFound, got {error.StatusCode}: {error.Status.Detail}");
            }
        }

        Assert.Equal(before, await SnapshotAsync(cohort.Name, placementName, live.Name));
    }

    [Fact]
    public async Task ImportEnrolments_StreamAndCsv_ByAStranger_NotFound_NothingWritten()
    {
        var cohort = await _as.RecruitingAsync();
        var requestId = Guid.NewGuid().ToString();
        var rows = new[] { Actors.Row("I1") };
        Assert.Equal(1, (await Actors.ImportAsync(_as.CollegeClient, cohort.Name, rows, requestId)).RowsImported);
        var before = await SnapshotAsync(cohort.Name, null, null);

        foreach (var (organization, kind, stranger) in Strangers())
        {
            await GrpcAssert.Status(StatusCode.NotFound, () => Actors.ImportAsync(stranger, cohort.Name, [Actors.Row("I2"), Actors.Row("I3")],
                Guid.NewGuid().ToString(), allowPartial: true));
            // The college's request id with the college's very roster: never the college's answer.
            await GrpcAssert.InvalidFields(() => Actors.ImportAsync(stranger, cohort.Name, rows, requestId), "request_id");

            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/{cohort.Name}:importEnrolments?allow_partial=true&request_id={Guid.NewGuid()}")
            {
                Content = new StringContent($"student_number,display_name,identity_number\r\nI4,Csv Intruder,{Identities.New()}\r\n", Encoding.UTF8, "text/csv"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.For(organization, kind));
            using var response = await fixture.Service.Http.SendAsync(request, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{organization}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("rowsImported", body, StringComparison.Ordinal);
        }

        Assert.Equal(before, await SnapshotAsync(cohort.Name, null, null));
        Assert.Equal(["I1"], (await _as.EnrolmentsAsync(cohort.Name)).Select(e => e.StudentNumber));
        await using var connection = fixture.Connect();
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM enrolments WHERE cohort_id = @id", connection);
        command.Parameters.AddWithValue("id", Guid.Parse(cohort.Name["cohorts/".Length..]));
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    /// <summary>What the college sees of the cohort and its children, to compare before and after the strangers' attempts.</summary>
    private async Task<string> SnapshotAsync(string cohortName, string? placementName, string? enrolmentWithChange)
    {
        var college = _as.CollegeClient;
        var text = new StringBuilder();
        text.Append(await college.GetCohortAsync(new GetCohortRequest { Name = cohortName }));
        foreach (var enrolment in await _as.EnrolmentsAsync(cohortName))
        {
            text.Append(enrolment);
        }
        text.Append((await college.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohortName, PageSize = 200 })).AuditEntries.Count);
        if (placementName is not null)
        {
            text.Append(await college.GetPlacementAsync(new GetPlacementRequest { Name = placementName }));
        }
        if (enrolmentWithChange is not null)
        {
            text.Append(await college.ListSponsorChangesAsync(new ListSponsorChangesRequest { Parent = enrolmentWithChange }));
        }
        return text.ToString();
    }

    private static ListCohortsRequest With(ListCohortsRequest request, int pageSize)
    {
        request.PageSize = pageSize;
        return request;
    }
}
