using Collaboration.Apprenticeships.V1;
using Collaboration.TestSupport;
using Dapper;
using Grpc.Core;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Tests;

public sealed class CohortApiTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private async Task<long> RowsOfCollegeAsync()
    {
        await using var connection = fixture.Connect();
        return await connection.ExecuteScalarAsync<long>(
            """
            SELECT (SELECT count(*) FROM cohorts WHERE college_code = @code)
                 + (SELECT count(*) FROM enrolments WHERE college_code = @code)
                 + (SELECT count(*) FROM audit_entries WHERE actor_organization = @code)
            """, new { code = _as.College });
    }

    [Fact]
    public async Task CreateCohort_Valid_DraftWithSponsorsCodesAndVersions()
    {
        var cohort = await _as.CreateAsync(twoSponsors: true);

        Assert.StartsWith("cohorts/", cohort.Name);
        Assert.Equal(State.Draft, cohort.State);
        Assert.Equal(_as.College, cohort.College.CreditCode);
        Assert.Equal([_as.Sponsor, _as.Sponsor2], cohort.Sponsors.Select(s => s.Organization.CreditCode));
        Assert.All(cohort.Sponsors, s => Assert.NotNull(s.JoinedDate));
        Assert.Equal("2024", cohort.MajorCatalogueVersion);
        Assert.Equal("2022", cohort.OccupationCatalogueVersion);
        Assert.NotEmpty(cohort.Etag);
        Assert.Equal(cohort, await _as.SponsorClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name }));
    }

    public static TheoryData<string, string[]> BadCohorts() => new()
    {
        { "no-kind", ["cohort.kind"] },
        { "no-name", ["cohort.display_name"] },
        { "bad-college-code", ["cohort.college.credit_code"] },
        { "no-sponsor", ["cohort.sponsors"] },
        { "bad-sponsor-code", ["cohort.sponsors[0].organization.credit_code"] },
        { "unknown-major", ["cohort.major_code"] },
        { "unknown-occupation", ["cohort.occupation_code"] },
        { "unknown-version", ["cohort.occupation_catalogue_version"] },
        { "withdrawn-major", ["cohort.major_code"] },
        { "zero-seats", ["cohort.seats"] },
        { "commitment-over-seats", ["cohort.placement_commitment"] },
        { "end-before-start", ["cohort.end_date"] },
        { "state-set", ["cohort.state"] },
        { "bad-request-id", ["request_id"] },
        { "several", ["cohort.display_name", "cohort.seats", "cohort.major_code"] },
    };

    [Theory]
    [MemberData(nameof(BadCohorts))]
    public async Task CreateCohort_BadInput_InvalidArgumentWithFieldsAndNothingWritten(string problem, string[] fields)
    {
        var cohort = _as.NewCohort();
        var request = new CreateCohortRequest { Cohort = cohort };
        switch (problem)
        {
            case "no-kind": cohort.Kind = Cohort.Types.Kind.Unspecified; break;
            case "no-name": cohort.DisplayName = " "; break;
            case "bad-college-code": cohort.College.CreditCode = _as.College[..17] + (_as.College[17] == '0' ? '1' : '0'); break;
            case "no-sponsor": cohort.Sponsors.Clear(); break;
            case "bad-sponsor-code": cohort.Sponsors[0].Organization.CreditCode = "91431300XXXX"; break;
            case "unknown-major": cohort.MajorCode = "999999"; break;
            case "unknown-occupation": cohort.OccupationCode = "9-99-99-99"; break;
            case "unknown-version": cohort.OccupationCatalogueVersion = "1999"; break;
            case "withdrawn-major": cohort.MajorCode = "460110"; cohort.MajorCatalogueVersion = "2024"; break;
            case "zero-seats": cohort.Seats = 0; cohort.PlacementCommitment = 0; break;
            case "commitment-over-seats": cohort.PlacementCommitment = 41; break;
            case "end-before-start": cohort.EndDate = new Google.Type.Date { Year = 2025, Month = 1, Day = 1 }; break;
            case "state-set": cohort.State = State.Approved; break;
            case "bad-request-id": request.RequestId = "not-a-uuid"; break;
            case "several": cohort.DisplayName = ""; cohort.Seats = -1; cohort.PlacementCommitment = 0; cohort.MajorCode = ""; break;
        }

        await GrpcAssert.InvalidFields(() => _as.CollegeClient.CreateCohortAsync(request).ResponseAsync, fields);
        Assert.Equal(0, await RowsOfCollegeAsync());
    }

    [Fact]
    public async Task CreateCohort_SameRequestId_ReturnsOriginal_DifferentBodyInvalid()
    {
        var requestId = Guid.NewGuid().ToString();
        var request = new CreateCohortRequest { Cohort = _as.NewCohort(), RequestId = requestId };

        var first = await _as.CollegeClient.CreateCohortAsync(request);
        var again = await _as.CollegeClient.CreateCohortAsync(request);
        Assert.Equal(first, again);
        var list = await _as.CollegeClient.ListCohortsAsync(new ListCohortsRequest { CollegeCreditCode = _as.College });
        Assert.Single(list.Cohorts);

        request.Cohort.Seats = 39;
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.CreateCohortAsync(request).ResponseAsync, "request_id");
    }

    [Fact]
    public async Task Transition_SameRequestId_WritesOnce()
    {
        var cohort = await _as.CreateAsync();
        var request = new SubmitCohortRequest { Name = cohort.Name, Etag = cohort.Etag, RequestId = Guid.NewGuid().ToString() };
        var first = await _as.CollegeClient.SubmitCohortAsync(request);
        var again = await _as.CollegeClient.SubmitCohortAsync(request);
        Assert.Equal(first, again);
        var audit = await _as.CollegeClient.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohort.Name });
        Assert.Single(audit.AuditEntries, e => e.Action == "SubmitCohort");
    }

    [Fact]
    public async Task StaleEtag_Aborted_NothingChanged()
    {
        var cohort = await _as.CreateAsync();
        await _as.CollegeClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, DisplayName = "Renamed class", Etag = cohort.Etag },
            UpdateMask = Actors.Mask("display_name"),
        });

        await GrpcAssert.Status(StatusCode.Aborted, () => _as.CollegeClient.SubmitCohortAsync(
            new SubmitCohortRequest { Name = cohort.Name, Etag = cohort.Etag }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.Aborted, () => _as.CollegeClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, Seats = 10, Etag = cohort.Etag },
            UpdateMask = Actors.Mask("seats"),
        }).ResponseAsync);
        var now = await _as.CollegeClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name });
        Assert.Equal(State.Draft, now.State);
        Assert.Equal(40, now.Seats);
        Assert.Equal("Renamed class", now.DisplayName);
    }

    [Fact]
    public async Task FullLifecycle_CollegeProposes_SponsorConfirms_AdminApproves_ThroughToClosed()
    {
        var cohort = await _as.CreateAsync();
        cohort = await _as.CollegeClient.SubmitCohortAsync(new SubmitCohortRequest { Name = cohort.Name, Etag = cohort.Etag });
        Assert.Equal(State.AwaitingEnterprise, cohort.State);
        // The proposer cannot confirm its own proposal.
        var refused = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.CollegeClient.ConfirmCohortAsync(
            new ConfirmCohortRequest { Name = cohort.Name }).ResponseAsync);
        Assert.Contains("AwaitingEnterprise", refused.Status.Detail);
        cohort = await _as.SponsorClient.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name, Etag = cohort.Etag });
        Assert.Equal(State.Agreed, cohort.State);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.CollegeClient.ApproveCohortAsync(
            new ApproveCohortRequest { Name = cohort.Name }).ResponseAsync);
        cohort = await _as.Admin.ApproveCohortAsync(new ApproveCohortRequest { Name = cohort.Name, Etag = cohort.Etag });
        Assert.Equal(State.Approved, cohort.State);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.SponsorClient.OpenCohortRecruitmentAsync(
            new OpenCohortRecruitmentRequest { Name = cohort.Name }).ResponseAsync);
        cohort = await _as.CollegeClient.OpenCohortRecruitmentAsync(new OpenCohortRecruitmentRequest { Name = cohort.Name });
        Assert.Equal(State.Recruiting, cohort.State);
        cohort = await _as.CollegeClient.StartCohortTrainingAsync(new StartCohortTrainingRequest { Name = cohort.Name });
        Assert.Equal(State.InTraining, cohort.State);
        cohort = await _as.CollegeClient.GraduateCohortAsync(new GraduateCohortRequest { Name = cohort.Name });
        Assert.Equal(State.Graduated, cohort.State);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.SponsorClient.CancelCohortAsync(
            new CancelCohortRequest { Name = cohort.Name, Reason = "too late" }).ResponseAsync);
        cohort = await _as.CollegeClient.CloseCohortAsync(new CloseCohortRequest { Name = cohort.Name });
        Assert.Equal(State.Closed, cohort.State);

        var audit = await _as.Admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohort.Name });
        Assert.Equal(["CreateCohort", "SubmitCohort", "ConfirmCohort", "ApproveCohort", "OpenCohortRecruitment", "StartCohortTraining",
            "GraduateCohort", "CloseCohort"], audit.AuditEntries.Select(e => e.Action));
    }

    [Fact]
    public async Task SponsorProposes_CollegeConfirms()
    {
        var cohort = await _as.SponsorClient.CreateCohortAsync(new CreateCohortRequest { Cohort = _as.NewCohort() });
        cohort = await _as.SponsorClient.SubmitCohortAsync(new SubmitCohortRequest { Name = cohort.Name });
        Assert.Equal(State.AwaitingCollege, cohort.State);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.SponsorClient.ConfirmCohortAsync(
            new ConfirmCohortRequest { Name = cohort.Name }).ResponseAsync);
        cohort = await _as.CollegeClient.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name });
        Assert.Equal(State.Agreed, cohort.State);
    }

    [Fact]
    public async Task TermsChangedAfterAgreement_ByEitherParty_TheOtherMustConfirmAgain()
    {
        var cohort = await _as.AgreedAsync();
        cohort = await _as.Admin.ApproveCohortAsync(new ApproveCohortRequest { Name = cohort.Name });

        // The college raises the seats: back to the enterprise, which confirms; the city approves again.
        cohort = await _as.CollegeClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, Seats = 45, Etag = cohort.Etag }, UpdateMask = Actors.Mask("seats"),
        });
        Assert.Equal(State.AwaitingEnterprise, cohort.State);
        Assert.Equal(45, cohort.Seats);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.CollegeClient.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name }).ResponseAsync);
        cohort = await _as.SponsorClient.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name });
        Assert.Equal(State.Agreed, cohort.State);

        // The enterprise lowers its commitment: back to the college.
        cohort = await _as.SponsorClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, PlacementCommitment = 20 }, UpdateMask = Actors.Mask("placement_commitment"),
        });
        Assert.Equal(State.AwaitingCollege, cohort.State);
        // A counter-proposal by the college on dates hands it back to the enterprise.
        cohort = await _as.CollegeClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, EndDate = new Google.Type.Date { Year = 2027, Month = 7, Day = 15 } },
            UpdateMask = Actors.Mask("end_date"),
        });
        Assert.Equal(State.AwaitingEnterprise, cohort.State);
        cohort = await _as.SponsorClient.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name });
        Assert.Equal(State.Agreed, cohort.State);
        Assert.Equal(20, cohort.PlacementCommitment);

        // The same values again change nothing and need no confirmation.
        cohort = await _as.SponsorClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, PlacementCommitment = 20 }, UpdateMask = Actors.Mask("placement_commitment"),
        });
        Assert.Equal(State.Agreed, cohort.State);
        // Details are fixed once agreed.
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.CollegeClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, DisplayName = "Other" }, UpdateMask = Actors.Mask("display_name"),
        }).ResponseAsync);
    }

    [Fact]
    public async Task TermsChange_InTraining_FailedPrecondition()
    {
        var cohort = await _as.RecruitingAsync();
        cohort = await _as.CollegeClient.StartCohortTrainingAsync(new StartCohortTrainingRequest { Name = cohort.Name });
        var refused = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.SponsorClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, Seats = 10 }, UpdateMask = Actors.Mask("seats"),
        }).ResponseAsync);
        Assert.Contains("InTraining", refused.Status.Detail);
    }

    [Fact]
    public async Task Cancel_BeforeGraduation_BySponsorWithReason()
    {
        var cohort = await _as.RecruitingAsync();
        cohort = await _as.SponsorClient.CancelCohortAsync(new CancelCohortRequest { Name = cohort.Name, Reason = "plant closed" });
        Assert.Equal(State.Cancelled, cohort.State);
        Assert.Equal("plant closed", cohort.StateReason);
    }

    [Fact]
    public async Task UpdateCohort_OutputOnlyPathOrBadValue_InvalidArgument()
    {
        var cohort = await _as.CreateAsync();
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, State = State.Approved }, UpdateMask = Actors.Mask("state"),
        }).ResponseAsync, "update_mask");
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, Seats = 10 }, UpdateMask = Actors.Mask("seats"),
        }).ResponseAsync, "cohort.placement_commitment");
        Assert.Equal(cohort, await _as.CollegeClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name }));
    }

    [Fact]
    public async Task ListCohorts_Paging_KeysetAndBoundToFilters()
    {
        for (var i = 0; i < 3; i++)
        {
            await _as.CreateAsync();
        }
        var first = await _as.CollegeClient.ListCohortsAsync(new ListCohortsRequest { CollegeCreditCode = _as.College, PageSize = 2 });
        Assert.Equal(2, first.Cohorts.Count);
        Assert.NotEmpty(first.NextPageToken);
        var second = await _as.CollegeClient.ListCohortsAsync(new ListCohortsRequest { CollegeCreditCode = _as.College, PageSize = 2, PageToken = first.NextPageToken });
        Assert.Single(second.Cohorts);
        Assert.Empty(second.NextPageToken);
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.ListCohortsAsync(new ListCohortsRequest
        {
            CollegeCreditCode = _as.College, State = State.Draft, PageToken = first.NextPageToken,
        }).ResponseAsync, "page_token");
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.ListCohortsAsync(new ListCohortsRequest { PageSize = -1 }).ResponseAsync, "page_size");
    }
}
