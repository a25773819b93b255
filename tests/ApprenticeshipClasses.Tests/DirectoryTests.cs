using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Identity;
using Collaboration.TestSupport;
using Dapper;
using Grpc.Core;

namespace Collaboration.Apprenticeships.Tests;

/// <summary>
/// Every organisation a cohort stores (its college, its sponsors, a placement's employer) comes from the organisation
/// directory: an unregistered code is NOT_FOUND naming the request field and writes nothing; the stored name and kind
/// are the register's whatever the caller typed, and the kind rules (a college runs a cohort, enterprises sponsor it)
/// and the landing rate rest on the register.
/// </summary>
public sealed class DirectoryTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);
    private static readonly Google.Type.Date Start = new() { Year = 2027, Month = 7, Day = 1 };

    /// <summary>Cohorts, sponsor links and audit entries that name any of these organisations.</summary>
    private async Task<long> RowsNamingAsync(params string[] codes)
    {
        await using var connection = fixture.Connect();
        return await connection.ExecuteScalarAsync<long>(
            """
            SELECT (SELECT count(*) FROM cohorts WHERE college_code = ANY(@codes))
                 + (SELECT count(*) FROM cohort_sponsors WHERE credit_code = ANY(@codes))
                 + (SELECT count(*) FROM audit_entries WHERE actor_organization = ANY(@codes))
            """, new { codes });
    }

    private async Task<List<string>> CompletedPlacementsAsync(Cohort cohort, int learners)
    {
        await Actors.ImportAsync(_as.CollegeClient, cohort.Name, Enumerable.Range(1, learners).Select(i => Actors.Row($"{cohort.Name[^6..]}D{i}")));
        await _as.CollegeClient.StartCohortTrainingAsync(new StartCohortTrainingRequest { Name = cohort.Name });
        var names = new List<string>();
        foreach (var enrolment in (await _as.EnrolmentsAsync(cohort.Name)).OrderBy(e => e.StudentNumber))
        {
            await _as.CollegeClient.StartEnrolmentAsync(new StartEnrolmentRequest { Name = enrolment.Name });
            await _as.CollegeClient.CompleteEnrolmentAsync(new CompleteEnrolmentRequest { Name = enrolment.Name });
            names.Add(enrolment.Name + "/placement");
        }
        return names;
    }

    private async Task<Placement> EmployAsync(string placement, Organization employer, InCityOverride? inCityOverride = null)
    {
        await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = placement });
        await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placement });
        return await _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest
        {
            Name = placement, Employer = employer, StartDate = Start, InCityOverride = inCityOverride,
        });
    }

    public static TheoryData<string> UnregisteredParties() => ["college", "second sponsor", "college and second sponsor"];

    [Theory]
    [MemberData(nameof(UnregisteredParties))]
    public async Task CreateCohort_UnregisteredCollegeOrSponsor_NotFoundNamingEachField_NothingWritten(string which)
    {
        var unregisteredCollege = DirectoryServer.Unregistered();
        var unregisteredSponsor = DirectoryServer.Unregistered();
        var cohort = _as.NewCohort(twoSponsors: true);
        var fields = new List<string>();
        if (which.Contains("college"))
        {
            cohort.College = new Organization { CreditCode = unregisteredCollege, Name = "Typed College", Kind = OrganizationKind.VocationalCollege };
            fields.Add("cohort.college.credit_code");
        }
        if (which.Contains("sponsor"))
        {
            cohort.Sponsors[1].Organization = new Organization { CreditCode = unregisteredSponsor, Name = "Typed Co.", Kind = OrganizationKind.Enterprise };
            fields.Add("cohort.sponsors[1].organization.credit_code");
        }

        // The first sponsor proposes (a party whatever the college), so only the directory can refuse.
        await GrpcAssert.ReferencesNotFound(() => _as.SponsorClient.CreateCohortAsync(new CreateCohortRequest { Cohort = cohort }).ResponseAsync, [.. fields]);

        Assert.Equal(0, await RowsNamingAsync(_as.College, _as.Sponsor, _as.Sponsor2, unregisteredCollege, unregisteredSponsor));
        Assert.Empty((await _as.Admin.ListCohortsAsync(new ListCohortsRequest { SponsorCreditCode = _as.Sponsor })).Cohorts);
    }

    [Fact]
    public async Task CreateCohort_OnceTheAdminRegistersTheCollege_Succeeds()
    {
        var college = DirectoryServer.Unregistered();
        var cohort = _as.NewCohort();
        cohort.College = new Organization { CreditCode = college };
        await GrpcAssert.ReferencesNotFound(() => _as.SponsorClient.CreateCohortAsync(new CreateCohortRequest { Cohort = cohort }).ResponseAsync,
            "cohort.college.credit_code");

        await fixture.Directory.RegisterAsync(college, "娄底新设职业学院（测试）", "vocational_college");

        var created = await _as.SponsorClient.CreateCohortAsync(new CreateCohortRequest { Cohort = cohort });
        Assert.Equal((college, "娄底新设职业学院（测试）"), (created.College.CreditCode, created.College.Name));
    }

    [Fact]
    public async Task CreateCohort_TypedNamesAndKinds_AreIgnored_TheRegisterIsStored()
    {
        var cohort = _as.NewCohort(twoSponsors: true);
        cohort.College = new Organization { CreditCode = _as.College, Name = "A College I Typed", Kind = OrganizationKind.University };
        cohort.Sponsors[0].Organization.Name = "Hydraulics As Typed";
        cohort.Sponsors[0].Organization.Kind = OrganizationKind.GovernmentBody;

        var created = await _as.CollegeClient.CreateCohortAsync(new CreateCohortRequest { Cohort = cohort });

        var expected = new[]
        {
            new Organization { CreditCode = _as.College, Name = Actors.RegisteredName(_as.College), Kind = OrganizationKind.VocationalCollege },
            new Organization { CreditCode = _as.Sponsor, Name = Actors.RegisteredName(_as.Sponsor), Kind = OrganizationKind.Enterprise },
            new Organization { CreditCode = _as.Sponsor2, Name = Actors.RegisteredName(_as.Sponsor2), Kind = OrganizationKind.Enterprise },
        };
        Organization[] stored = [created.College, .. created.Sponsors.OrderBy(s => s.Organization.CreditCode == _as.Sponsor ? 0 : 1).Select(s => s.Organization)];
        Assert.Equal(expected, stored);
        var read = await _as.SponsorClient.GetCohortAsync(new GetCohortRequest { Name = created.Name });
        Assert.Equal(created, read);
    }

    [Fact]
    public async Task CreateCohort_AnEnterpriseTypedAsACollege_IsNotACollege_AndOnlyEnterprisesSponsor()
    {
        var notACollege = _as.NewCohort();
        notACollege.College = new Organization { CreditCode = _as.Outsider, Name = "Outsider Vocational College", Kind = OrganizationKind.VocationalCollege };
        var refused = await GrpcAssert.InvalidFields(
            () => _as.SponsorClient.CreateCohortAsync(new CreateCohortRequest { Cohort = notACollege }).ResponseAsync, "cohort.college.credit_code");
        Assert.Contains("registered as an enterprise", refused.FieldViolations[0].Description, StringComparison.Ordinal);

        var institute = await fixture.Directory.NewAsync("research_institute");
        var notAnEnterprise = _as.NewCohort(twoSponsors: true);
        notAnEnterprise.Sponsors[1].Organization = new Organization { CreditCode = institute, Name = "Institute Co.", Kind = OrganizationKind.Enterprise };
        await GrpcAssert.InvalidFields(
            () => _as.CollegeClient.CreateCohortAsync(new CreateCohortRequest { Cohort = notAnEnterprise }).ResponseAsync,
            "cohort.sponsors[1].organization.credit_code");

        Assert.Equal(0, await RowsNamingAsync(_as.College, _as.Outsider, _as.Sponsor, institute));
    }

    [Fact]
    public async Task CreateCohort_AUniversityMayRunACohort()
    {
        var university = await fixture.Directory.NewAsync("university", "湖南测试大学");
        var cohort = _as.NewCohort();
        cohort.College = new Organization { CreditCode = university };

        var created = await _as.SponsorClient.CreateCohortAsync(new CreateCohortRequest { Cohort = cohort });

        Assert.Equal(new Organization { CreditCode = university, Name = "湖南测试大学", Kind = OrganizationKind.University }, created.College);
    }

    [Fact]
    public async Task AddSponsor_UnregisteredEnterprise_NotFoundNamingTheField_CohortUnchanged()
    {
        var cohort = await _as.CreateAsync();
        var unregistered = DirectoryServer.Unregistered();

        await GrpcAssert.ReferencesNotFound(() => _as.CollegeClient.AddSponsorAsync(new AddSponsorRequest
        {
            Name = cohort.Name, Organization = new Organization { CreditCode = unregistered, Name = "Typed Castings Co.", Kind = OrganizationKind.Enterprise },
        }).ResponseAsync, "organization.credit_code");

        Assert.Equal(cohort, await _as.CollegeClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name }));
        Assert.Equal(0, await RowsNamingAsync(unregistered));
        var audit = await _as.CollegeClient.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohort.Name });
        Assert.DoesNotContain(audit.AuditEntries, e => e.Action == "AddSponsor");
    }

    [Fact]
    public async Task AddSponsor_StoresTheRegisteredName_AndRefusesWhatIsNotAnEnterprise()
    {
        var cohort = await _as.CreateAsync();
        var university = await fixture.Directory.NewAsync("university");
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.AddSponsorAsync(new AddSponsorRequest
        {
            Name = cohort.Name, Organization = new Organization { CreditCode = university, Name = "University Co.", Kind = OrganizationKind.Enterprise },
        }).ResponseAsync, "organization.credit_code");
        Assert.Equal(cohort, await _as.CollegeClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name }));

        var added = await _as.CollegeClient.AddSponsorAsync(new AddSponsorRequest
        {
            Name = cohort.Name, Organization = new Organization { CreditCode = _as.Outsider, Name = "Castings As Typed", Kind = OrganizationKind.University },
        });
        var sponsor = Assert.Single(added.Sponsors, s => s.Organization.CreditCode == _as.Outsider);
        Assert.Equal((Actors.RegisteredName(_as.Outsider), OrganizationKind.Enterprise), (sponsor.Organization.Name, sponsor.Organization.Kind));
    }

    [Fact]
    public async Task OfferPlacementAndRecordEmployment_UnregisteredEmployer_NotFoundNamingTheField_NothingWritten()
    {
        var cohort = await _as.RecruitingAsync();
        var placement = (await CompletedPlacementsAsync(cohort, 1)).Single();
        var unregistered = DirectoryServer.Unregistered();
        var typed = new Organization { CreditCode = unregistered, Name = "Typed Employer Co.", Kind = OrganizationKind.Enterprise };

        await GrpcAssert.ReferencesNotFound(() => _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = placement, Employer = typed }).ResponseAsync,
            "employer.credit_code");
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.SponsorClient.GetPlacementAsync(new GetPlacementRequest { Name = placement }).ResponseAsync);

        await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = placement });
        var accepted = await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placement });
        await GrpcAssert.ReferencesNotFound(() => _as.SponsorClient.RecordEmploymentAsync(new RecordEmploymentRequest
        {
            Name = placement, Employer = typed, StartDate = Start,
        }).ResponseAsync, "employer.credit_code");

        Assert.Equal(accepted, await _as.SponsorClient.GetPlacementAsync(new GetPlacementRequest { Name = placement }));
        var audit = await _as.CollegeClient.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohort.Name, PageSize = 100 });
        Assert.DoesNotContain(audit.AuditEntries, e => e.Action == "RecordEmployment" || e.Detail.Contains(unregistered, StringComparison.Ordinal));
        var outcomes = await _as.CollegeClient.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = cohort.Name });
        Assert.Equal((1, 0), (outcomes.Completed, outcomes.Employed));
    }

    [Fact]
    public async Task LandingRate_ComesFromTheEmployersRegister_NamesAndKindsToo()
    {
        var cohort = await _as.RecruitingAsync(commitment: 3);
        var placements = await CompletedPlacementsAsync(cohort, 3);
        var hospital = await fixture.Directory.NewAsync("other", "娄底市中心医院（测试）");
        var elsewhere = OutOfCity.New(fixture.Directory);

        // A local employer of another kind, typed as an enterprise elsewhere: the register says in the city.
        var local = await EmployAsync(placements[0], new Organization { CreditCode = hospital, Name = "Changsha Hospital", Kind = OrganizationKind.Enterprise });
        Assert.Equal((hospital, "娄底市中心医院（测试）", OrganizationKind.Other, true, InCityBasis.Register),
            (local.Employer.CreditCode, local.Employer.Name, local.Employer.Kind, local.InCity, local.InCityBasis));
        // An employer registered in Changsha, typed with a Loudi name: the register says not in the city.
        var away = await EmployAsync(placements[1], new Organization { CreditCode = elsewhere, Name = "娄底某公司", Kind = OrganizationKind.GovernmentBody });
        Assert.Equal(($"Changsha enterprise {elsewhere[^6..]}", OrganizationKind.Enterprise, false),
            (away.Employer.Name, away.Employer.Kind, away.InCity));
        // The sponsor's own offer (no employer named) is the sponsor as registered.
        await _as.SponsorClient.OfferPlacementAsync(new OfferPlacementRequest { Name = placements[2] });
        var accepted = await _as.SponsorClient.AcceptPlacementAsync(new AcceptPlacementRequest { Name = placements[2] });
        Assert.Equal((Actors.RegisteredName(_as.Sponsor), OrganizationKind.Enterprise, true),
            (accepted.Employer.Name, accepted.Employer.Kind, accepted.InCity));

        var outcomes = await _as.CollegeClient.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = cohort.Name });
        Assert.Equal((3, 2, 1, 0.3333), (outcomes.Completed, outcomes.Employed, outcomes.EmployedInCity, outcomes.LandingRate));
        var byCohort = await _as.CollegeClient.ComputeLandingRatesAsync(new ComputeLandingRatesRequest
        {
            GroupBy = ComputeLandingRatesRequest.Types.GroupBy.College, IndustryChain = cohort.IndustryChain,
        });
        var group = Assert.Single(byCohort.Groups, g => g.Key == _as.College);
        Assert.Equal((Actors.RegisteredName(_as.College), 1, 0.3333), (group.Label, group.EmployedInCity, group.LandingRate));
    }
}

/// <summary>The kind rules and the in-city rule, on the directory's entries.</summary>
public sealed class RegisteredFactsRulesTests
{
    private static RegisteredOrganization Entry(OrganizationKind kind, bool inCity = true, string division = "431300") =>
        new("91431300MA4L3K7P3F", "Registered", kind, DateTimeOffset.UnixEpoch, inCity ? division : "430100", inCity);

    [Theory]
    [InlineData(OrganizationKind.VocationalCollege, true)]
    [InlineData(OrganizationKind.University, true)]
    [InlineData(OrganizationKind.Enterprise, false)]
    [InlineData(OrganizationKind.ResearchInstitute, false)]
    [InlineData(OrganizationKind.GovernmentBody, false)]
    [InlineData(OrganizationKind.Other, false)]
    public void College_IsAVocationalCollegeOrUniversity_ByRegisteredKind(OrganizationKind kind, bool college) =>
        Assert.Equal(college, CohortOrganizations.CollegeViolation(Entry(kind)) is null);

    [Theory]
    [InlineData(OrganizationKind.Enterprise, true)]
    [InlineData(OrganizationKind.VocationalCollege, false)]
    [InlineData(OrganizationKind.University, false)]
    [InlineData(OrganizationKind.ResearchInstitute, false)]
    [InlineData(OrganizationKind.Other, false)]
    public void Sponsor_IsAnEnterprise_ByRegisteredKind(OrganizationKind kind, bool sponsor) =>
        Assert.Equal(sponsor, CohortOrganizations.SponsorViolation(Entry(kind)) is null);

    [Fact]
    public void InCity_IsTheRegistersFact_OrAnOverrideForOneRegisteredElsewhere()
    {
        var branch = new InCityOverride { Reason = InCityOverride.Types.Reason.BranchInCity, Note = "branch" };
        Assert.Equal((true, InCityBasis.Register), InCityRule.Decide(Entry(OrganizationKind.Enterprise), null));
        Assert.Equal((true, InCityBasis.Register), InCityRule.Decide(Entry(OrganizationKind.Enterprise), branch));
        Assert.Equal((false, InCityBasis.Register), InCityRule.Decide(Entry(OrganizationKind.Enterprise, inCity: false), null));
        Assert.Equal((true, InCityBasis.Override), InCityRule.Decide(Entry(OrganizationKind.Enterprise, inCity: false), branch));
        Assert.NotNull(InCityRule.OverrideViolation(Entry(OrganizationKind.Enterprise)));
        Assert.Null(InCityRule.OverrideViolation(Entry(OrganizationKind.Enterprise, inCity: false)));
    }
}
