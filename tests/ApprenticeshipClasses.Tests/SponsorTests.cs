using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using SponsorState = Collaboration.Apprenticeships.V1.Sponsor.Types.State;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Tests;

public sealed class SponsorAdmissionTests
{
    // The rule as the issue states it, written out independently of the table under test.
    private static readonly (State From, SponsorAct Act, SponsorStanding Standing, State To)[] Expected =
    [
        (State.Draft, SponsorAct.Add, SponsorStanding.Current, State.Draft),
        (State.Draft, SponsorAct.End, SponsorStanding.Ended, State.Draft),
        (State.AwaitingEnterprise, SponsorAct.Add, SponsorStanding.Current, State.AwaitingEnterprise),
        (State.AwaitingEnterprise, SponsorAct.End, SponsorStanding.Ended, State.AwaitingEnterprise),
        (State.AwaitingCollege, SponsorAct.Add, SponsorStanding.Current, State.AwaitingEnterprise),
        (State.AwaitingCollege, SponsorAct.End, SponsorStanding.Ended, State.AwaitingEnterprise),
        (State.Agreed, SponsorAct.Add, SponsorStanding.Current, State.AwaitingEnterprise),
        (State.Agreed, SponsorAct.End, SponsorStanding.Ended, State.AwaitingEnterprise),
        (State.Approved, SponsorAct.Add, SponsorStanding.Pending, State.Approved),
        (State.Approved, SponsorAct.Accept, SponsorStanding.Current, State.Approved),
        (State.Approved, SponsorAct.End, SponsorStanding.Ended, State.Approved),
        (State.Recruiting, SponsorAct.Add, SponsorStanding.Pending, State.Recruiting),
        (State.Recruiting, SponsorAct.Accept, SponsorStanding.Current, State.Recruiting),
        (State.Recruiting, SponsorAct.End, SponsorStanding.Ended, State.Recruiting),
        (State.InTraining, SponsorAct.Add, SponsorStanding.Pending, State.InTraining),
        (State.InTraining, SponsorAct.Accept, SponsorStanding.Current, State.InTraining),
        (State.InTraining, SponsorAct.End, SponsorStanding.Ended, State.InTraining),
    ];

    [Fact]
    public void Next_EveryStateAndAct_MatchesTheRule()
    {
        foreach (var from in Enum.GetValues<State>())
        {
            foreach (var act in Enum.GetValues<SponsorAct>())
            {
                var expected = Expected.Where(e => e.From == from && e.Act == act).Select(e => ((SponsorStanding, State)?)(e.Standing, e.To)).SingleOrDefault();
                Assert.True(expected == SponsorAdmission.Next(from, act), $"{from} × {act}");
            }
        }
    }

    [Fact]
    public void IsAllowed_CollegeAddsAndEnds_OnlyTheInvitedEnterpriseAccepts()
    {
        Assert.True(SponsorAdmission.IsAllowed(SponsorAct.Add, Party.College, false));
        Assert.True(SponsorAdmission.IsAllowed(SponsorAct.End, Party.College, false));
        Assert.False(SponsorAdmission.IsAllowed(SponsorAct.Add, Party.Enterprise, false));
        Assert.False(SponsorAdmission.IsAllowed(SponsorAct.End, Party.Enterprise, false));
        Assert.False(SponsorAdmission.IsAllowed(SponsorAct.Add, Party.None, false));
        Assert.True(SponsorAdmission.IsAllowed(SponsorAct.Accept, Party.None, true));
        Assert.False(SponsorAdmission.IsAllowed(SponsorAct.Accept, Party.College, false));
        Assert.False(SponsorAdmission.LeavesASponsor(["A"], "A"));
        Assert.True(SponsorAdmission.LeavesASponsor(["A", "B"], "A"));
    }
}

public sealed class SponsorTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private AddSponsorRequest Add(Cohort cohort, string code) =>
        new() { Name = cohort.Name, Organization = new Organization { CreditCode = code, Name = "Test Castings Co." } };

    private static SponsorState StateOf(Cohort cohort, string code) =>
        cohort.Sponsors.Single(s => s.Organization.CreditCode == code).State;

    private CohortService.CohortServiceClient OutsiderEditor => fixture.Service.Client<CohortService.CohortServiceClient>(Tokens.For(_as.Outsider, "enterprise", "editor"));

    [Fact]
    public async Task AddSponsor_InDraft_CollegeAddsDirectly_AndTheAuditSaysSo()
    {
        var cohort = await _as.CreateAsync();
        var added = await _as.CollegeClient.AddSponsorAsync(Add(cohort, _as.Outsider));
        Assert.Equal((State.Draft, SponsorState.Current), (added.State, StateOf(added, _as.Outsider)));
        Assert.NotEqual(cohort.Etag, added.Etag);
        var audit = await _as.CollegeClient.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohort.Name });
        Assert.Contains(audit.AuditEntries, e => e.Action == "AddSponsor" && e.Detail.Contains(_as.Outsider));
        // The new sponsor acts for the enterprise side at once: it may submit the draft.
        var submitted = await OutsiderEditor.SubmitCohortAsync(new SubmitCohortRequest { Name = cohort.Name });
        Assert.Equal(State.AwaitingCollege, submitted.State);
    }

    [Fact]
    public async Task AddSponsor_AfterAgreement_HandsTheCohortBackToTheSponsors()
    {
        var cohort = await _as.AgreedAsync();
        var added = await _as.CollegeClient.AddSponsorAsync(Add(cohort, _as.Outsider));
        Assert.Equal(State.AwaitingEnterprise, added.State);
        var confirmed = await OutsiderEditor.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name });
        Assert.Equal(State.Agreed, confirmed.State);
    }

    [Fact]
    public async Task AddSponsor_AfterApproval_IsPendingUntilTheEnterpriseAccepts()
    {
        var cohort = await _as.RecruitingAsync();
        var invited = await _as.CollegeClient.AddSponsorAsync(Add(cohort, _as.Outsider));
        Assert.Equal((State.Recruiting, SponsorState.Pending), (invited.State, StateOf(invited, _as.Outsider)));
        // Pending: it sees what it is invited to, but does not act for the enterprise side.
        await OutsiderEditor.GetCohortAsync(new GetCohortRequest { Name = cohort.Name });
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => OutsiderEditor.CancelCohortAsync(new CancelCohortRequest { Name = cohort.Name }).ResponseAsync);
        // Nobody else accepts for it.
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.SponsorClient.AddSponsorAsync(Add(cohort, _as.Outsider)).ResponseAsync);

        var accepted = await OutsiderEditor.AddSponsorAsync(new AddSponsorRequest
        {
            Name = cohort.Name, Organization = new Organization { CreditCode = _as.Outsider }, Etag = invited.Etag,
        });
        Assert.Equal((State.Recruiting, SponsorState.Current), (accepted.State, StateOf(accepted, _as.Outsider)));
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.CollegeClient.AddSponsorAsync(Add(cohort, _as.Outsider)).ResponseAsync);
    }

    [Fact]
    public async Task AddSponsor_Permissions_OnlyTheCollegesOwnerOrEditor()
    {
        var cohort = await _as.CreateAsync();
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.SponsorClient.AddSponsorAsync(Add(cohort, _as.Outsider)).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.CollegeViewer.AddSponsorAsync(Add(cohort, _as.Outsider)).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => OutsiderEditor.AddSponsorAsync(Add(cohort, _as.Outsider)).ResponseAsync);
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.AddSponsorAsync(Add(cohort, _as.College)).ResponseAsync, "organization.credit_code");
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.AddSponsorAsync(new AddSponsorRequest { Name = cohort.Name }).ResponseAsync,
            "organization.credit_code");
        Assert.Single((await _as.CollegeClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name })).Sponsors);
    }

    [Fact]
    public async Task AddAndEndSponsor_AfterTheCohortGraduatedOrWasCancelled_AreFailedPrecondition()
    {
        var cohort = await _as.CreateAsync(twoSponsors: true);
        await _as.CollegeClient.CancelCohortAsync(new CancelCohortRequest { Name = cohort.Name });
        var add = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.CollegeClient.AddSponsorAsync(Add(cohort, _as.Outsider)).ResponseAsync);
        Assert.Contains("Cancelled", add.Status.Detail);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.CollegeClient.EndSponsorAsync(
            new EndSponsorRequest { Name = cohort.Name, SponsorCreditCode = _as.Sponsor2 }).ResponseAsync);
        Assert.Equal(2, (await _as.CollegeClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name })).Sponsors.Count(s => s.State == SponsorState.Current));
    }

    [Fact]
    public async Task EndSponsor_TheLastSponsor_IsFailedPrecondition()
    {
        var cohort = await _as.CreateAsync();
        var last = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.CollegeClient.EndSponsorAsync(
            new EndSponsorRequest { Name = cohort.Name, SponsorCreditCode = _as.Sponsor }).ResponseAsync);
        Assert.Contains("last sponsor", last.Status.Detail);
    }

    [Fact]
    public async Task EndSponsor_Permissions_OnlyTheCollegesOwnerOrEditor()
    {
        var cohort = await _as.CreateAsync(twoSponsors: true);
        var end = new EndSponsorRequest { Name = cohort.Name, SponsorCreditCode = _as.Sponsor2 };
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.SponsorClient.EndSponsorAsync(end).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Sponsor2Client.EndSponsorAsync(end).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.CollegeViewer.EndSponsorAsync(end).ResponseAsync);
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.EndSponsorAsync(
            new EndSponsorRequest { Name = cohort.Name, SponsorCreditCode = _as.Outsider }).ResponseAsync, "sponsor_credit_code");
    }

    [Fact]
    public async Task EndSponsor_AfterAgreement_KeepsHistory_AndTheEndedSponsorLosesWriteAccess()
    {
        var cohort = await _as.AgreedAsync(twoSponsors: true);
        var ended = await _as.CollegeClient.EndSponsorAsync(new EndSponsorRequest
        {
            Name = cohort.Name, SponsorCreditCode = _as.Sponsor2, Reason = "left the order class", Etag = cohort.Etag,
        });
        Assert.Equal(State.AwaitingEnterprise, ended.State);
        var link = ended.Sponsors.Single(s => s.Organization.CreditCode == _as.Sponsor2);
        Assert.Equal(SponsorState.Ended, link.State);
        Assert.NotNull(link.LeftDate);
        // It still sees the cohort it sponsored, but no longer confirms or cancels it.
        await _as.Sponsor2Client.GetCohortAsync(new GetCohortRequest { Name = cohort.Name });
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Sponsor2Client.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Sponsor2Client.CancelCohortAsync(new CancelCohortRequest { Name = cohort.Name }).ResponseAsync);
        var confirmed = await _as.SponsorClient.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name });
        Assert.Equal(State.Agreed, confirmed.State);
    }

    [Fact]
    public async Task EndSponsor_WhileHostingLearnersInTraining_IsRefused_ThenPlacementsMadeStay()
    {
        var cohort = await _as.RecruitingAsync(twoSponsors: true);
        await Actors.ImportAsync(_as.CollegeClient, cohort.Name, [Actors.Row($"{cohort.Name[^6..]}E1")]);
        var enrolment = (await _as.EnrolmentsAsync(cohort.Name)).Single();
        Assert.Equal(_as.Sponsor, enrolment.SponsorCreditCode);
        var hosting = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.CollegeClient.EndSponsorAsync(
            new EndSponsorRequest { Name = cohort.Name, SponsorCreditCode = _as.Sponsor }).ResponseAsync);
        Assert.Contains("hosts 1 learner", hosting.Status.Detail);

        await _as.CollegeClient.StartCohortTrainingAsync(new StartCohortTrainingRequest { Name = cohort.Name });
        await _as.CollegeClient.StartEnrolmentAsync(new StartEnrolmentRequest { Name = enrolment.Name });
        await _as.CollegeClient.CompleteEnrolmentAsync(new CompleteEnrolmentRequest { Name = enrolment.Name });
        var placement = enrolment.Name + "/placement";
        await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = placement });

        await _as.CollegeClient.EndSponsorAsync(new EndSponsorRequest { Name = cohort.Name, SponsorCreditCode = _as.Sponsor });
        // The offer it made stays, and it counts as a (past) sponsor's; but it no longer records placements.
        var kept = await _as.CollegeClient.GetPlacementAsync(new GetPlacementRequest { Name = placement });
        Assert.Equal((Placement.Types.State.Offered, _as.Sponsor, true), (kept.State, kept.Employer.CreditCode, kept.EmployerIsSponsor));
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placement }).ResponseAsync);
        await _as.Sponsor2Client.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placement });
    }
}
