using System.Diagnostics.Metrics;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using GroupBy = Collaboration.Apprenticeships.V1.ComputeLandingRatesRequest.Types.GroupBy;

namespace Collaboration.Apprenticeships.Tests;

public sealed class OutcomeTests(CohortsFixture fixture)
{
    // The second sponsor is registered outside the city (its branch in the city employs some learners).
    private readonly Actors _as = new(fixture) { Sponsor2 = OutOfCity.New(fixture.Directory) };
    private readonly string _otherEmployer = fixture.Directory.New("enterprise");
    private static readonly InCityOverride Branch = new() { Reason = InCityOverride.Types.Reason.BranchInCity, Note = "its branch in 娄星区 employs the learner" };

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

    /// <summary>Offers, accepts and records employment; <paramref name="claimInCity"/> sends the retired request flag (field 3) as an old client would.</summary>
    private async Task<Placement> EmployAsync(Enrolment enrolment, string employer, InCityOverride? inCityOverride = null, bool claimInCity = false)
    {
        var name = enrolment.Name + "/placement";
        await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = name });
        await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = name });
        var request = new RecordEmploymentRequest
        {
            Name = name, Employer = new Organization { CreditCode = employer, Name = "Employer" }, InCityOverride = inCityOverride,
            StartDate = new Google.Type.Date { Year = 2027, Month = 7, Day = 1 },
        };
        return await _as.SponsorClient.RecordEmploymentAsync(claimInCity ? ClaimingInCity(request) : request);
    }

    /// <summary>The request with the retired in_city flag (field 3, varint) set to true, kept as an unknown field on the wire.</summary>
    internal static T ClaimingInCity<T>(T request) where T : Google.Protobuf.IMessage<T>, new()
    {
        var parser = new Google.Protobuf.MessageParser<T>(() => new T());
        return parser.ParseFrom([.. Google.Protobuf.MessageExtensions.ToByteArray(request), 0x18, 0x01]);
    }

    private Task<Placement> CheckAsync(Enrolment enrolment, int month, bool still, bool same) =>
        _as.SponsorClient.RecordRetentionCheckAsync(new RecordRetentionCheckRequest
        {
            Name = enrolment.Name + "/placement", Month = month, StillEmployed = still, SameEmployer = same,
        }).ResponseAsync;

    /// <summary>
    /// Cohort A (sponsors S1 registered in the city, S2 registered elsewhere; commitment 4): 6 learners, 1 withdrawn,
    /// 5 completed. L1 by S1 (in the city by register), L2 by S2 (in the city by a branch override), L3 by another employer
    /// registered in the city, L4 by S2 without an override although the client claims in-city (not in the city), L5 declined.
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
        var p1 = await EmployAsync(l1, _as.Sponsor);
        Assert.Equal((true, InCityBasis.Register), (p1.InCity, p1.InCityBasis));
        var p2 = await EmployAsync(learnersA[1], _as.Sponsor2, Branch);
        Assert.True(p2.EmployerIsSponsor);
        Assert.Equal((true, InCityBasis.Override, Branch), (p2.InCity, p2.InCityBasis, p2.InCityOverride));
        var p3 = await EmployAsync(learnersA[2], _otherEmployer);
        Assert.False(p3.EmployerIsSponsor);
        var p4 = await EmployAsync(learnersA[3], _as.Sponsor2, claimInCity: true);
        Assert.Equal((false, InCityBasis.Register), (p4.InCity, p4.InCityBasis));
        await _as.SponsorClient.OfferPlacementAsync(ClaimingInCity(new OfferPlacementRequest { Name = learnersA[4].Name + "/placement" }));
        var declined = await _as.SponsorClient.DeclinePlacementAsync(new DeclinePlacementRequest { Name = learnersA[4].Name + "/placement" });
        Assert.Equal(Placement.Types.State.Declined, declined.State);

        await CheckAsync(l1, 6, still: true, same: true);
        await CheckAsync(learnersA[1], 6, still: true, same: false);
        await CheckAsync(learnersA[2], 6, still: false, same: false);
        var withChecks = await CheckAsync(l1, 12, still: true, same: true);
        Assert.Equal([6, 12], withChecks.RetentionChecks.Select(c => c.Month));

        await EmployAsync(learnersB[0], _as.Sponsor);
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

        var offered = await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = placement });
        Assert.Equal((Placement.Types.State.Offered, _as.Sponsor), (offered.State, offered.Employer.CreditCode));
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest
        {
            Name = placement, Employer = new Organization { CreditCode = _as.Sponsor, Name = "S" },
            StartDate = new Google.Type.Date { Year = 2027, Month = 7, Day = 1 },
        }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.Aborted, () => _as.SponsorClient.AcceptPlacementAsync(
            new AcceptPlacementRequest { Name = placement, Etag = "stale" }).ResponseAsync);
        await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placement, Etag = offered.Etag });
        await GrpcAssert.InvalidFields(() => _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest { Name = placement }).ResponseAsync,
            "employer.credit_code", "start_date");
        var employed = await _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest
        {
            Name = placement, Employer = new Organization { CreditCode = _as.Sponsor, Name = "S" },
            StartDate = new Google.Type.Date { Year = 2027, Month = 7, Day = 1 },
        });
        Assert.True(employed.EmployerIsSponsor);
        await GrpcAssert.InvalidFields(() => CheckAsync(enrolment, 7, true, true), "month");
        await CheckAsync(enrolment, 6, true, true);
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => CheckAsync(enrolment, 6, true, false));
        Assert.Single((await _as.CollegeClient.GetPlacementAsync(new GetPlacementRequest { Name = placement })).RetentionChecks);
    }
}
