using System.Diagnostics.Metrics;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using GroupBy = Collaboration.Apprenticeships.V1.ComputeLandingRatesRequest.Types.GroupBy;

namespace Collaboration.Apprenticeships.Tests;

public sealed class OutcomeTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture.Service);
    private readonly string _otherEmployer = Organizations.NewCode("91");

    /// <summary>Imports n learners, starts training, starts all and completes all but the withdrawn ones.</summary>
    private async Task<List<Enrolment>> TrainedAsync(Cohort cohort, int learners, int withdrawn)
    {
        await Actors.ImportAsync(_as.CollegeClient, cohort.Name, Enumerable.Range(1, learners).Select(i => Actors.Row($"{cohort.Name[^6..]}{i}")));
        await _as.CollegeClient.StartCohortTrainingAsync(new StartCohortTrainingRequest { Name = cohort.Name });
        var result = new List<Enrolment>();
        foreach (var (enrolment, index) in (await _as.EnrolmentsAsync(cohort.Name)).OrderBy(e => e.StudentNumber).Select((e, i) => (e, i)))
        {
            var live = await _as.CollegeClient.StartEnrolmentAsync(new StartEnrolmentRequest { Name = enrolment.Name });
            result.Add(index < learners - withdrawn
                ? await _as.CollegeClient.CompleteEnrolmentAsync(new CompleteEnrolmentRequest { Name = live.Name, Etag = live.Etag })
                : await _as.CollegeClient.WithdrawEnrolmentAsync(new WithdrawEnrolmentRequest { Name = live.Name }));
        }
        return result;
    }

    private async Task<Placement> EmployAsync(Enrolment enrolment, string employer, bool inCity)
    {
        var name = enrolment.Name + "/placement";
        await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = name, InCity = inCity });
        await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = name });
        return await _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest
        {
            Name = name, Employer = new Organization { CreditCode = employer, Name = "Employer" }, InCity = inCity,
            StartDate = new Google.Type.Date { Year = 2027, Month = 7, Day = 1 },
        });
    }

    private Task<Placement> CheckAsync(Enrolment enrolment, int month, bool still, bool same) =>
        _as.SponsorClient.RecordRetentionCheckAsync(new RecordRetentionCheckRequest
        {
            Name = enrolment.Name + "/placement", Month = month, StillEmployed = still, SameEmployer = same,
        }).ResponseAsync;

    /// <summary>
    /// Cohort A (sponsors S1, S2; commitment 4): 6 learners, 1 withdrawn, 5 completed. L1 by S1 in the city,
    /// L2 by S2 in the city, L3 by another employer in the city, L4 by S1 outside the city, L5 declined.
    /// Cohort B (sponsor S1; commitment 2): 2 completed, one employed by S1 in the city.
    /// </summary>
    private async Task<(Cohort A, Cohort B, string Chain)> HandComputedFixtureAsync()
    {
        var chain = TestChains.New();
        var a = await _as.RecruitingAsync(twoSponsors: true, chain: chain, commitment: 4);
        var b = await _as.RecruitingAsync(chain: chain, commitment: 2);
        var learnersA = await TrainedAsync(a, 6, withdrawn: 1);
        var learnersB = await TrainedAsync(b, 2, withdrawn: 0);

        var l1 = learnersA[0];
        await EmployAsync(l1, _as.Sponsor, inCity: true);
        var p2 = await EmployAsync(learnersA[1], _as.Sponsor2, inCity: true);
        Assert.True(p2.EmployerIsSponsor);
        var p3 = await EmployAsync(learnersA[2], _otherEmployer, inCity: true);
        Assert.False(p3.EmployerIsSponsor);
        await EmployAsync(learnersA[3], _as.Sponsor, inCity: false);
        await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = learnersA[4].Name + "/placement", InCity = true });
        var declined = await _as.SponsorClient.DeclinePlacementAsync(new DeclinePlacementRequest { Name = learnersA[4].Name + "/placement" });
        Assert.Equal(Placement.Types.State.Declined, declined.State);

        await CheckAsync(l1, 6, still: true, same: true);
        await CheckAsync(learnersA[1], 6, still: true, same: false);
        await CheckAsync(learnersA[2], 6, still: false, same: false);
        var withChecks = await CheckAsync(l1, 12, still: true, same: true);
        Assert.Equal([6, 12], withChecks.RetentionChecks.Select(c => c.Month));

        await EmployAsync(learnersB[0], _as.Sponsor, inCity: true);
        return (a, b, chain);
    }

    [Fact]
    public async Task Outcomes_AndLandingRates_MatchTheHandComputedFixture()
    {
        var (a, b, chain) = await HandComputedFixtureAsync();

        var outcomes = await _as.CollegeClient.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = a.Name });
        Assert.Equal((5, 4, 3, 3, 4), (outcomes.Completed, outcomes.Employed, outcomes.EmployedInCity, outcomes.EmployedBySponsor, outcomes.PlacementCommitment));
        Assert.Equal(0.6, outcomes.LandingRate);
        Assert.Equal(0.6, outcomes.SponsorPlacementRate);
        Assert.Equal(0.75, outcomes.CommitmentFulfilment);
        Assert.Equal([(6, 3, 2, 1), (12, 1, 1, 1), (24, 0, 0, 0)],
            outcomes.Retention.Select(r => (r.Month, r.Checked, r.StillEmployed, r.SameEmployer)));

        var byCohort = await _as.CollegeClient.ComputeLandingRatesAsync(new ComputeLandingRatesRequest { GroupBy = GroupBy.Cohort, IndustryChain = chain });
        Assert.Equal(2, byCohort.Groups.Count);
        var groupB = byCohort.Groups.Single(g => g.Key == b.Name);
        Assert.Equal((2, 1, 1, 2), (groupB.Completed, groupB.EmployedInCity, groupB.EmployedBySponsor, groupB.PlacementCommitment));
        Assert.Equal(0.5, groupB.LandingRate);
        Assert.Equal(0.5, groupB.CommitmentFulfilment);

        var byCollege = Assert.Single((await _as.CollegeClient.ComputeLandingRatesAsync(
            new ComputeLandingRatesRequest { GroupBy = GroupBy.College, IndustryChain = chain })).Groups);
        Assert.Equal((_as.College, 2, 7, 4, 4, 6), (byCollege.Key, byCollege.Cohorts, byCollege.Completed, byCollege.EmployedInCity,
            byCollege.EmployedBySponsor, byCollege.PlacementCommitment));
        Assert.Equal(0.5714, byCollege.LandingRate);
        Assert.Equal(0.5714, byCollege.SponsorPlacementRate);
        Assert.Equal(0.6667, byCollege.CommitmentFulfilment);

        var bySponsor = (await _as.Admin.ComputeLandingRatesAsync(new ComputeLandingRatesRequest { GroupBy = GroupBy.Sponsor, IndustryChain = chain }))
            .Groups.ToDictionary(g => g.Key);
        Assert.Equal((2, 7, 4, 4, 6), (bySponsor[_as.Sponsor].Cohorts, bySponsor[_as.Sponsor].Completed, bySponsor[_as.Sponsor].EmployedInCity,
            bySponsor[_as.Sponsor].EmployedBySponsor, bySponsor[_as.Sponsor].PlacementCommitment));
        Assert.Equal((1, 5, 3, 3, 4), (bySponsor[_as.Sponsor2].Cohorts, bySponsor[_as.Sponsor2].Completed, bySponsor[_as.Sponsor2].EmployedInCity,
            bySponsor[_as.Sponsor2].EmployedBySponsor, bySponsor[_as.Sponsor2].PlacementCommitment));

        var byChain = Assert.Single((await _as.Admin.ComputeLandingRatesAsync(new ComputeLandingRatesRequest { GroupBy = GroupBy.IndustryChain, IndustryChain = chain })).Groups);
        Assert.Equal((chain, 7, 4), (byChain.Key, byChain.Completed, byChain.EmployedInCity));
        var byYear = Assert.Single((await _as.CollegeClient.ComputeLandingRatesAsync(new ComputeLandingRatesRequest { GroupBy = GroupBy.Year, EndYear = 2027 })).Groups);
        Assert.Equal(("2027", 7), (byYear.Key, byYear.Completed));

        // The same figures on the "Collaboration.Apprenticeships" meter, per industry chain.
        var observed = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Collaboration.Apprenticeships")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "industry_chain" && (string?)tag.Value == chain)
                {
                    observed[instrument.Name] = value;
                }
            }
        }
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(7, observed["collaboration.apprenticeships.completed"]);
        Assert.Equal(4, observed["collaboration.apprenticeships.employed_in_city"]);
        Assert.Equal(4, observed["collaboration.apprenticeships.employed_by_sponsor"]);
        Assert.Equal(0.5714, observed["collaboration.apprenticeships.landing_rate"]);
        Assert.Equal(0.6667, observed["collaboration.apprenticeships.commitment_fulfilment"]);
    }

    [Fact]
    public async Task Outcomes_NoCompletions_RatesUnset_GroupByRequired()
    {
        var cohort = await _as.RecruitingAsync();
        var outcomes = await _as.CollegeClient.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = cohort.Name });
        Assert.Equal(0, outcomes.Completed);
        Assert.False(outcomes.HasLandingRate);
        Assert.False(outcomes.HasSponsorPlacementRate);
        Assert.Equal(0.0, outcomes.CommitmentFulfilment);
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.ComputeLandingRatesAsync(new ComputeLandingRatesRequest()).ResponseAsync, "group_by");
    }

    [Fact]
    public async Task Placement_Rules_CompletionFirst_EmployedOnlyAfterAccept_RetentionOnce()
    {
        var cohort = await _as.RecruitingAsync();
        await Actors.ImportAsync(_as.CollegeClient, cohort.Name, [Actors.Row("P1")]);
        var enrolment = (await _as.EnrolmentsAsync(cohort.Name)).Single();
        var placement = enrolment.Name + "/placement";

        var early = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.SponsorClient.OfferPlacementAsync(
            new OfferPlacementRequest { Name = placement }).ResponseAsync);
        Assert.Contains("completion", early.Status.Detail);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.SponsorClient.GetPlacementAsync(new GetPlacementRequest { Name = placement }).ResponseAsync);

        var live = await _as.CollegeClient.StartEnrolmentAsync(new StartEnrolmentRequest { Name = enrolment.Name });
        var paused = await _as.CollegeClient.PauseEnrolmentAsync(new PauseEnrolmentRequest { Name = live.Name });
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.CollegeClient.CompleteEnrolmentAsync(new CompleteEnrolmentRequest { Name = paused.Name }).ResponseAsync);
        await _as.CollegeClient.ResumeEnrolmentAsync(new ResumeEnrolmentRequest { Name = paused.Name });
        await _as.CollegeClient.CompleteEnrolmentAsync(new CompleteEnrolmentRequest { Name = paused.Name });

        var offered = await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = placement, InCity = true });
        Assert.Equal((Placement.Types.State.Offered, _as.Sponsor), (offered.State, offered.Employer.CreditCode));
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest
        {
            Name = placement, Employer = new Organization { CreditCode = _as.Sponsor, Name = "S" }, InCity = true,
            StartDate = new Google.Type.Date { Year = 2027, Month = 7, Day = 1 },
        }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.Aborted, () => _as.SponsorClient.AcceptPlacementAsync(
            new AcceptPlacementRequest { Name = placement, Etag = "stale" }).ResponseAsync);
        await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placement, Etag = offered.Etag });
        await GrpcAssert.InvalidFields(() => _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest { Name = placement }).ResponseAsync,
            "employer.credit_code", "employer.name", "start_date");
        var employed = await _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest
        {
            Name = placement, Employer = new Organization { CreditCode = _as.Sponsor, Name = "S" }, InCity = true,
            StartDate = new Google.Type.Date { Year = 2027, Month = 7, Day = 1 },
        });
        Assert.True(employed.EmployerIsSponsor);
        await GrpcAssert.InvalidFields(() => CheckAsync(enrolment, 7, true, true), "month");
        await CheckAsync(enrolment, 6, true, true);
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => CheckAsync(enrolment, 6, true, false));
        Assert.Single((await _as.CollegeClient.GetPlacementAsync(new GetPlacementRequest { Name = placement })).RetentionChecks);
    }
}
