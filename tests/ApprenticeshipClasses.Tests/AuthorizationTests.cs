using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using GroupBy = Collaboration.Apprenticeships.V1.ComputeLandingRatesRequest.Types.GroupBy;

namespace Collaboration.Apprenticeships.Tests;

/// <summary>What may not be seen is NOT_FOUND; what may be seen but not done is PERMISSION_DENIED.</summary>
public sealed class AuthorizationTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private async Task<(Cohort Cohort, Enrolment Enrolment)> WithLearnerAsync(bool twoSponsors = false)
    {
        var cohort = await _as.RecruitingAsync(twoSponsors);
        var enrolment = await _as.CollegeClient.CreateEnrolmentAsync(new CreateEnrolmentRequest
        {
            Parent = cohort.Name,
            Enrolment = new Enrolment { StudentNumber = "A0001", DisplayName = "Learner A", IdentityNumber = Identities.New(), CollegeMentor = "Teacher Li" },
        });
        return (cohort, enrolment);
    }

    [Fact]
    public async Task UnrelatedEnterprise_SeesNothing_EverythingNotFound()
    {
        var (cohort, enrolment) = await WithLearnerAsync();
        var outsider = _as.OutsiderClient;

        await GrpcAssert.Status(StatusCode.NotFound, () => outsider.GetCohortAsync(new GetCohortRequest { Name = cohort.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => outsider.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = cohort.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => outsider.GetEnrolmentAsync(new GetEnrolmentRequest { Name = enrolment.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => outsider.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = cohort.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => outsider.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohort.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => outsider.CancelCohortAsync(new CancelCohortRequest { Name = cohort.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => outsider.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, Seats = 5 }, UpdateMask = Actors.Mask("seats"),
        }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => Actors.ImportAsync(outsider, cohort.Name, [Actors.Row("Z1")]));
        await GrpcAssert.Status(StatusCode.NotFound, () => outsider.OfferPlacementAsync(new OfferPlacementRequest { Name = enrolment.Name + "/placement" }).ResponseAsync);
        Assert.Empty((await outsider.ListCohortsAsync(new ListCohortsRequest { CollegeCreditCode = _as.College })).Cohorts);
        Assert.DoesNotContain((await outsider.ComputeLandingRatesAsync(new ComputeLandingRatesRequest { GroupBy = GroupBy.Cohort })).Groups,
            g => g.Key == cohort.Name);
        // An outsider cannot create a cohort in another organisation's name either.
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => outsider.CreateCohortAsync(new CreateCohortRequest { Cohort = _as.NewCohort() }).ResponseAsync);
    }

    [Fact]
    public async Task Sponsor_SeesRoster_NamesMasters_CannotRunTheCollegeSide()
    {
        var (cohort, enrolment) = await WithLearnerAsync();
        var sponsor = _as.SponsorClient;

        Assert.Single((await sponsor.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = cohort.Name })).Enrolments);
        Assert.Contains((await sponsor.ListCohortsAsync(new ListCohortsRequest())).Cohorts, c => c.Name == cohort.Name);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => Actors.ImportAsync(sponsor, cohort.Name, [Actors.Row("Z1")]));
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => sponsor.CreateEnrolmentAsync(new CreateEnrolmentRequest
        {
            Parent = cohort.Name, Enrolment = new Enrolment { StudentNumber = "Z2", DisplayName = "Z", IdentityNumber = Identities.New() },
        }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => sponsor.UpdateEnrolmentAsync(new UpdateEnrolmentRequest
        {
            Enrolment = new Enrolment { Name = enrolment.Name, CollegeMentor = "Someone" }, UpdateMask = Actors.Mask("college_mentor"),
        }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => sponsor.StartEnrolmentAsync(new StartEnrolmentRequest { Name = enrolment.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => sponsor.StartCohortTrainingAsync(new StartCohortTrainingRequest { Name = cohort.Name }).ResponseAsync);

        var named = await sponsor.UpdateEnrolmentAsync(new UpdateEnrolmentRequest
        {
            Enrolment = new Enrolment { Name = enrolment.Name, EnterpriseMentor = "Master Wang" }, UpdateMask = Actors.Mask("enterprise_mentor"),
        });
        Assert.Equal(("Master Wang", "Teacher Li"), (named.EnterpriseMentor, named.CollegeMentor));
        // ...and the college does not name the masters.
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.CollegeClient.UpdateEnrolmentAsync(new UpdateEnrolmentRequest
        {
            Enrolment = new Enrolment { Name = enrolment.Name, EnterpriseMentor = "Other" }, UpdateMask = Actors.Mask("enterprise_mentor"),
        }).ResponseAsync);
    }

    [Fact]
    public async Task College_RecordsNoPlacements_ViewersOnlyRead_AdminsSeeAllButDoNotRunTheRoster()
    {
        var (cohort, enrolment) = await WithLearnerAsync();
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.CollegeClient.OfferPlacementAsync(
            new OfferPlacementRequest { Name = enrolment.Name + "/placement" }).ResponseAsync);

        Assert.Equal(cohort.Name, (await _as.CollegeViewer.GetCohortAsync(new GetCohortRequest { Name = cohort.Name })).Name);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => Actors.ImportAsync(_as.CollegeViewer, cohort.Name, [Actors.Row("V1")]));
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.CollegeViewer.CancelCohortAsync(new CancelCohortRequest { Name = cohort.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.SponsorViewer.UpdateEnrolmentAsync(new UpdateEnrolmentRequest
        {
            Enrolment = new Enrolment { Name = enrolment.Name, EnterpriseMentor = "X" }, UpdateMask = Actors.Mask("enterprise_mentor"),
        }).ResponseAsync);

        var seen = await _as.Admin.GetEnrolmentAsync(new GetEnrolmentRequest { Name = enrolment.Name });
        Assert.StartsWith("**************", seen.MaskedIdentityNumber);
        Assert.Contains((await _as.Admin.ListCohortsAsync(new ListCohortsRequest { CollegeCreditCode = _as.College })).Cohorts, c => c.Name == cohort.Name);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => Actors.ImportAsync(_as.Admin, cohort.Name, [Actors.Row("AD1")]));
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.CreateCohortAsync(new CreateCohortRequest { Cohort = _as.NewCohort() }).ResponseAsync);
    }

    [Fact]
    public async Task SponsorChange_CollegeRequests_ReceivingSponsorDecides()
    {
        var (cohort, enrolment) = await WithLearnerAsync(twoSponsors: true);
        await _as.SponsorClient.UpdateEnrolmentAsync(new UpdateEnrolmentRequest
        {
            Enrolment = new Enrolment { Name = enrolment.Name, EnterpriseMentor = "Master Wang" }, UpdateMask = Actors.Mask("enterprise_mentor"),
        });

        await GrpcAssert.InvalidFields(() => _as.CollegeClient.CreateSponsorChangeAsync(new CreateSponsorChangeRequest
        {
            Parent = enrolment.Name, SponsorChange = new SponsorChange { ToSponsorCreditCode = _as.Sponsor, Reason = "same" },
        }).ResponseAsync, "sponsor_change.to_sponsor_credit_code");
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.SponsorClient.CreateSponsorChangeAsync(new CreateSponsorChangeRequest
        {
            Parent = enrolment.Name, SponsorChange = new SponsorChange { ToSponsorCreditCode = _as.Sponsor2, Reason = "move" },
        }).ResponseAsync);
        var change = await _as.CollegeClient.CreateSponsorChangeAsync(new CreateSponsorChangeRequest
        {
            Parent = enrolment.Name, SponsorChange = new SponsorChange { ToSponsorCreditCode = _as.Sponsor2, Reason = "closer to home" },
        });
        Assert.Equal((SponsorChange.Types.State.Pending, _as.Sponsor), (change.State, change.FromSponsorCreditCode));
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.CollegeClient.CreateSponsorChangeAsync(new CreateSponsorChangeRequest
        {
            Parent = enrolment.Name, SponsorChange = new SponsorChange { ToSponsorCreditCode = _as.Sponsor2, Reason = "again" },
        }).ResponseAsync);

        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.SponsorClient.ApproveSponsorChangeAsync(new ApproveSponsorChangeRequest { Name = change.Name }).ResponseAsync);
        var approved = await _as.Sponsor2Client.ApproveSponsorChangeAsync(new ApproveSponsorChangeRequest { Name = change.Name, Etag = change.Etag });
        Assert.Equal(SponsorChange.Types.State.Approved, approved.State);
        var moved = await _as.CollegeClient.GetEnrolmentAsync(new GetEnrolmentRequest { Name = enrolment.Name });
        Assert.Equal((_as.Sponsor2, ""), (moved.SponsorCreditCode, moved.EnterpriseMentor));
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.CollegeClient.WithdrawSponsorChangeAsync(new WithdrawSponsorChangeRequest { Name = change.Name }).ResponseAsync);

        var back = await _as.CollegeClient.CreateSponsorChangeAsync(new CreateSponsorChangeRequest
        {
            Parent = enrolment.Name, SponsorChange = new SponsorChange { ToSponsorCreditCode = _as.Sponsor, Reason = "back" },
        });
        var withdrawn = await _as.CollegeClient.WithdrawSponsorChangeAsync(new WithdrawSponsorChangeRequest { Name = back.Name });
        Assert.Equal(SponsorChange.Types.State.Withdrawn, withdrawn.State);
        var rejectedLater = await _as.CollegeClient.CreateSponsorChangeAsync(new CreateSponsorChangeRequest
        {
            Parent = enrolment.Name, SponsorChange = new SponsorChange { ToSponsorCreditCode = _as.Sponsor, Reason = "back again" },
        });
        Assert.Equal(SponsorChange.Types.State.Rejected,
            (await _as.SponsorClient.RejectSponsorChangeAsync(new RejectSponsorChangeRequest { Name = rejectedLater.Name, Reason = "no room" })).State);
        Assert.Equal(3, (await _as.SponsorClient.ListSponsorChangesAsync(new ListSponsorChangesRequest { Parent = enrolment.Name })).SponsorChanges.Count);
        _ = cohort;
        _ = OrganizationKind.Enterprise;
    }
}
