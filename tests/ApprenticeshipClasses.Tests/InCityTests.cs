using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Grpc.Core;

namespace Collaboration.Apprenticeships.Tests;

/// <summary>In-city is the employer's registration division (4313xx), or an audited override for a branch in the city.</summary>
public sealed class InCityTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);
    private static readonly Google.Type.Date Start = new() { Year = 2027, Month = 7, Day = 1 };

    private async Task<List<string>> CompletedPlacementsAsync(Cohort cohort, int learners)
    {
        await Actors.ImportAsync(_as.CollegeClient, cohort.Name, Enumerable.Range(1, learners).Select(i => Actors.Row($"{cohort.Name[^6..]}C{i}")));
        await _as.CollegeClient.StartCohortTrainingAsync(new StartCohortTrainingRequest { Name = cohort.Name });
        var names = new List<string>();
        foreach (var enrolment in await _as.EnrolmentsAsync(cohort.Name))
        {
            await _as.CollegeClient.StartEnrolmentAsync(new StartEnrolmentRequest { Name = enrolment.Name });
            await _as.CollegeClient.CompleteEnrolmentAsync(new CompleteEnrolmentRequest { Name = enrolment.Name });
            names.Add(enrolment.Name + "/placement");
        }
        return names;
    }

    private async Task<Placement> EmployAsync(string placement, string employer, InCityOverride? inCityOverride)
    {
        await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = placement });
        await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placement });
        return await _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest
        {
            Name = placement, Employer = new Organization { CreditCode = employer, Name = "Changsha Steel Co." }, StartDate = Start,
            InCityOverride = inCityOverride,
        });
    }

    [Fact]
    public async Task Override_ForAnEmployerRegisteredElsewhere_CountsInTheLandingRate_AndIsAudited()
    {
        var cohort = await _as.RecruitingAsync(commitment: 2);
        var placements = await CompletedPlacementsAsync(cohort, 2);
        var elsewhere = OutOfCity.New(fixture.Directory);

        var notInCity = await EmployAsync(placements[0], elsewhere, null);
        Assert.Equal((false, InCityBasis.Register), (notInCity.InCity, notInCity.InCityBasis));
        Assert.Equal(0.0, (await _as.CollegeClient.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = cohort.Name })).LandingRate);

        var branch = new InCityOverride { Reason = InCityOverride.Types.Reason.BranchInCity, Note = "分公司 in 娄星区 (914313…)" };
        var byBranch = await EmployAsync(placements[1], elsewhere, branch);
        Assert.Equal((true, InCityBasis.Override, branch), (byBranch.InCity, byBranch.InCityBasis, byBranch.InCityOverride));
        Assert.Equal(byBranch, await _as.CollegeClient.GetPlacementAsync(new GetPlacementRequest { Name = placements[1] }));

        var outcomes = await _as.CollegeClient.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = cohort.Name });
        Assert.Equal((2, 1, 0.5), (outcomes.Employed, outcomes.EmployedInCity, outcomes.LandingRate));

        var audit = await _as.CollegeClient.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohort.Name, PageSize = 100 });
        var employment = audit.AuditEntries.Where(e => e.Action == "RecordEmployment").Select(e => e.Detail).ToList();
        Assert.Contains(employment, d => d.Contains("not in city by register"));
        Assert.Contains(employment, d => d.Contains("in city by override BranchInCity") && d.Contains("分公司 in 娄星区"));
    }

    [Fact]
    public async Task Override_IsRefused_ForAnEmployerRegisteredInTheCity_OrWithoutReasonAndNote()
    {
        var cohort = await _as.RecruitingAsync();
        var placement = (await CompletedPlacementsAsync(cohort, 1)).Single();
        var branch = new InCityOverride { Reason = InCityOverride.Types.Reason.BranchInCity, Note = "branch" };
        // The offering sponsor is registered in the city: an override there means nothing and is refused.
        await GrpcAssert.InvalidFields(() => _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest
        {
            Name = placement, InCityOverride = branch,
        }).ResponseAsync, "in_city_override");
        await GrpcAssert.InvalidFields(() => _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest
        {
            Name = placement, Employer = new Organization { CreditCode = OutOfCity.New(fixture.Directory) }, InCityOverride = new InCityOverride(),
        }).ResponseAsync, "in_city_override.reason", "in_city_override.note");
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.SponsorClient.GetPlacementAsync(new GetPlacementRequest { Name = placement }).ResponseAsync);
    }

    [Fact]
    public async Task InCity_ClaimedByTheCallerForAnEmployerRegisteredElsewhere_DoesNotCount()
    {
        var cohort = await _as.RecruitingAsync();
        var placement = (await CompletedPlacementsAsync(cohort, 1)).Single();
        var elsewhere = OutOfCity.New(fixture.Directory);
        await _as.SponsorClient.OfferPlacementAsync(OutcomeTests.ClaimingInCity(new OfferPlacementRequest
        {
            Name = placement, Employer = new Organization { CreditCode = elsewhere, Name = "Changsha Steel Co." },
        }));
        await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placement });
        var employed = await _as.SponsorClient.RecordEmploymentAsync(OutcomeTests.ClaimingInCity(new RecordEmploymentRequest
        {
            Name = placement, Employer = new Organization { CreditCode = elsewhere, Name = "Changsha Steel Co." }, StartDate = Start,
        }));
        Assert.False(employed.InCity);
        var outcomes = await _as.CollegeClient.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = cohort.Name });
        Assert.Equal((1, 0, 0.0), (outcomes.Employed, outcomes.EmployedInCity, outcomes.LandingRate));
    }

    [Fact]
    public async Task InCity_ClaimedOverHttpJson_IsIgnored()
    {
        var cohort = await _as.RecruitingAsync();
        var placement = (await CompletedPlacementsAsync(cohort, 1)).Single();
        var elsewhere = OutOfCity.New(fixture.Directory);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/{placement}:offer")
        {
            Content = new StringContent($$"""{"employer": {"creditCode": "{{elsewhere}}", "name": "Changsha Steel Co."}, "inCity": true}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", Tokens.For(_as.Sponsor, "enterprise"));
        using var response = await fixture.Service.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var offered = await _as.SponsorClient.GetPlacementAsync(new GetPlacementRequest { Name = placement });
        Assert.Equal((elsewhere, false, InCityBasis.Register), (offered.Employer.CreditCode, offered.InCity, offered.InCityBasis));
    }
}
