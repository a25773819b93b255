using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Tests;

/// <summary>
/// Object level: an organisation that neither hosts nor partners a college never reads or changes it
/// while it is not operating, by any method, list filter, replayed page token or child collection; the
/// answer is NOT_FOUND, as for a college that does not exist.
/// </summary>
public sealed class ObjectLevelTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private static string Chain() => TestChains.New();

    private static IndustrialCollege NewCollege(string chain)
    {
        var college = Actors.NewCollege();
        college.IndustryChain = chain;
        return college;
    }

    private sealed record Setup(IndustrialCollege College, Partner Partner, Course Course, TrainingBase TrainingBase, Mentor Mentor, Report? Report);

    /// <summary>
    /// A college with partner A and A's course, training base and mentor, taken to <paramref name="state"/>
    /// (planning, approved or under review: none of them public), with a filed report once it may have one.
    /// </summary>
    private async Task<Setup> NonPublicAsync(string state, string chain)
    {
        var college = await _as.Host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = NewCollege(chain) });
        var partner = await _as.AddPartnerAsync(college, _as.PartnerA, Partner.Types.Role.FoundingPartner);
        var course = await _as.A.CreateCourseAsync(new CreateCourseRequest
        {
            Parent = college.Name, Course = new Course { Title = "转炉炼钢实务", Hours = 64, MajorCodes = { "430102" } },
        });
        var trainingBase = await _as.A.CreateTrainingBaseAsync(new CreateTrainingBaseRequest
        {
            Parent = college.Name, TrainingBase = new TrainingBase { DisplayName = "实训基地", Address = "娄底经开区", Capacity = 40 },
        });
        var mentor = await _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });
        Report? report = null;
        if (state != "planning")
        {
            await _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });
            college = await _as.Admin.ApproveIndustrialCollegeAsync(new ApproveIndustrialCollegeRequest { Name = college.Name });
            if (state == "under_review")
            {
                await _as.Host.OpenIndustrialCollegeAsync(new OpenIndustrialCollegeRequest { Name = college.Name });
                college = await _as.Admin.StartIndustrialCollegeReviewAsync(new StartIndustrialCollegeReviewRequest { Name = college.Name, Reason = "整改" });
            }
            report = await _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) });
        }
        return new Setup(college, partner, course, trainingBase, mentor, report);
    }

    [Theory]
    [InlineData("planning")]
    [InlineData("approved")]
    [InlineData("under_review")]
    public async Task NonPublic_Outsider_NotFoundOnEveryMethod_AndNothingChanges(string state)
    {
        var setup = await NonPublicAsync(state, Chain());
        var name = setup.College.Name;
        var reportName = setup.Report?.Name ?? $"{name}/reports/2024";
        var other = _as.Other;
        var before = await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = name });
        var calls = new (string Method, Func<Task> Call)[]
        {
            ("GetIndustrialCollege", () => other.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = name }).ResponseAsync),
            ("ListPartners", () => other.ListPartnersAsync(new ListPartnersRequest { Parent = name, ShowRemoved = true }).ResponseAsync),
            ("ListCourses", () => other.ListCoursesAsync(new ListCoursesRequest { Parent = name }).ResponseAsync),
            ("ListTrainingBases", () => other.ListTrainingBasesAsync(new ListTrainingBasesRequest { Parent = name }).ResponseAsync),
            ("ListMentors", () => other.ListMentorsAsync(new ListMentorsRequest { Parent = name }).ResponseAsync),
            ("ListReports", () => other.ListReportsAsync(new ListReportsRequest { Parent = name }).ResponseAsync),
            ("GetReport", () => other.GetReportAsync(new GetReportRequest { Name = reportName }).ResponseAsync),
            ("ListAuditEntries", () => other.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = name }).ResponseAsync),
            ("UpdateIndustrialCollege", () => other.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
            {
                IndustrialCollege = new IndustrialCollege { Name = name, DisplayName = $"Taken over {Guid.NewGuid():N}" },
                UpdateMask = new FieldMask { Paths = { "display_name" } },
            }).ResponseAsync),
            ("SubmitIndustrialCollege", () => other.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = name }).ResponseAsync),
            ("OpenIndustrialCollege", () => other.OpenIndustrialCollegeAsync(new OpenIndustrialCollegeRequest { Name = name }).ResponseAsync),
            ("CloseIndustrialCollege", () => other.CloseIndustrialCollegeAsync(new CloseIndustrialCollegeRequest { Name = name, Reason = "x" }).ResponseAsync),
            ("AddPartner", () => other.AddPartnerAsync(new AddPartnerRequest
            {
                Parent = name,
                Partner = new Partner
                {
                    Organization = new Organization { CreditCode = _as.Outsider, Name = "Self-invited", Kind = OrganizationKind.Enterprise },
                    Role = Partner.Types.Role.Partner,
                },
            }).ResponseAsync),
            ("RemovePartner", () => other.RemovePartnerAsync(new RemovePartnerRequest { Name = setup.Partner.Name }).ResponseAsync),
            ("AcceptPartner", () => other.AcceptPartnerAsync(new AcceptPartnerRequest { Name = setup.Partner.Name }).ResponseAsync),
            ("DeclinePartner", () => other.DeclinePartnerAsync(new DeclinePartnerRequest { Name = setup.Partner.Name, Reason = "not ours" }).ResponseAsync),
            ("CreateCourse", () => other.CreateCourseAsync(new CreateCourseRequest
            {
                Parent = name, Course = new Course { Title = "Intruder's course", Hours = 8, MajorCodes = { "430102" } },
            }).ResponseAsync),
            ("CreateTrainingBase", () => other.CreateTrainingBaseAsync(new CreateTrainingBaseRequest
            {
                Parent = name, TrainingBase = new TrainingBase { DisplayName = "Intruder's base", Address = "x", Capacity = 1 },
            }).ResponseAsync),
            ("CreateMentor", () => other.CreateMentorAsync(new CreateMentorRequest { Parent = name, Mentor = Actors.NewMentor() }).ResponseAsync),
            ("DeleteCourse", () => other.DeleteCourseAsync(new DeleteCourseRequest { Name = setup.Course.Name }).ResponseAsync),
            ("DeleteTrainingBase", () => other.DeleteTrainingBaseAsync(new DeleteTrainingBaseRequest { Name = setup.TrainingBase.Name }).ResponseAsync),
            ("DeleteMentor", () => other.DeleteMentorAsync(new DeleteMentorRequest { Name = setup.Mentor.Name }).ResponseAsync),
            ("GetCourse", () => other.GetCourseAsync(new GetCourseRequest { Name = setup.Course.Name }).ResponseAsync),
            ("GetTrainingBase", () => other.GetTrainingBaseAsync(new GetTrainingBaseRequest { Name = setup.TrainingBase.Name }).ResponseAsync),
            ("GetMentor", () => other.GetMentorAsync(new GetMentorRequest { Name = setup.Mentor.Name }).ResponseAsync),
            ("UpdateCourse", () => other.UpdateCourseAsync(new UpdateCourseRequest
            {
                Course = new Course { Name = setup.Course.Name, Hours = 1 }, UpdateMask = new FieldMask { Paths = { "hours" } },
            }).ResponseAsync),
            ("UpdateTrainingBase", () => other.UpdateTrainingBaseAsync(new UpdateTrainingBaseRequest
            {
                TrainingBase = new TrainingBase { Name = setup.TrainingBase.Name, Capacity = 1 }, UpdateMask = new FieldMask { Paths = { "capacity" } },
            }).ResponseAsync),
            ("UpdateMentor", () => other.UpdateMentorAsync(new UpdateMentorRequest
            {
                Mentor = new Mentor { Name = setup.Mentor.Name, Specialty = "x" }, UpdateMask = new FieldMask { Paths = { "specialty" } },
            }).ResponseAsync),
            ("CreateReport", () => other.CreateReportAsync(new CreateReportRequest { Parent = name, Report = Actors.NewReport(2023) }).ResponseAsync),
            ("UpdateReport", () => other.UpdateReportAsync(new UpdateReportRequest
            {
                Report = new Report { Name = reportName, MentorHours = 1 },
                UpdateMask = new FieldMask { Paths = { "mentor_hours" } },
            }).ResponseAsync),
            ("AcceptReport", () => other.AcceptReportAsync(new AcceptReportRequest { Name = reportName }).ResponseAsync),
        };

        // Every method of the contract is here (ListIndustrialColleges and the lifecycle acts the city alone does have
        // their own tests), so a new method fails this test until it is added.
        string[] elsewhere = ["ListIndustrialColleges", "CreateIndustrialCollege", "ReturnIndustrialCollege", "ApproveIndustrialCollege",
            "StartIndustrialCollegeReview", "ReinstateIndustrialCollege"];
        var missing = IndustrialCollegeService.Descriptor.Methods.Select(m => m.Name).Except(calls.Select(c => c.Method)).Except(elsewhere).ToList();
        Assert.True(missing.Count == 0, "no outsider call for " + string.Join(", ", missing));

        foreach (var (method, call) in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.StatusCode == StatusCode.NotFound, $"{method} on a {state} college: {error.StatusCode} {error.Status.Detail}");
            Assert.DoesNotContain(_as.College, error.Status.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain(setup.College.DisplayName, error.Status.Detail, StringComparison.Ordinal);
        }

        var after = await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = name });
        Assert.Equal(before.Etag, after.Etag);
        Assert.Equal(1, after.PartnerCount);
        Assert.Equal(setup.Course, Assert.Single((await _as.Host.ListCoursesAsync(new ListCoursesRequest { Parent = name })).Courses));
        Assert.Equal(setup.TrainingBase, Assert.Single((await _as.Host.ListTrainingBasesAsync(new ListTrainingBasesRequest { Parent = name })).TrainingBases));
        Assert.Equal(setup.Mentor, Assert.Single((await _as.Host.ListMentorsAsync(new ListMentorsRequest { Parent = name })).Mentors));
        if (setup.Report is { } report)
        {
            Assert.Equal(report.Etag, (await _as.Host.GetReportAsync(new GetReportRequest { Name = report.Name })).Etag);
        }
    }

    [Fact]
    public async Task NotFound_ForAHiddenCollege_ReadsExactlyLikeAMissingOne()
    {
        var college = await _as.CreateAsync();
        var missing = $"industrialColleges/{Guid.NewGuid()}";

        var hidden = await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetIndustrialCollegeAsync(
            new GetIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
        var absent = await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetIndustrialCollegeAsync(
            new GetIndustrialCollegeRequest { Name = missing }).ResponseAsync);

        Assert.Equal(absent.Status.Detail.Replace(missing, "X", StringComparison.Ordinal),
            hidden.Status.Detail.Replace(college.Name, "X", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListIndustrialColleges_EveryFilter_NeverShowsAnotherOrganisationsNonPublicColleges()
    {
        var chain = Chain();
        var planning = (await NonPublicAsync("planning", chain)).College;
        var approved = (await NonPublicAsync("approved", chain)).College;
        var underReview = (await NonPublicAsync("under_review", chain)).College;
        string[] hosts = [planning.Name, approved.Name, underReview.Name];

        var filters = new (string Filter, ListIndustrialCollegesRequest Request, string Expected)[]
        {
            ("none", new ListIndustrialCollegesRequest(), planning.Name),
            ("state planning", new ListIndustrialCollegesRequest { State = State.Planning }, planning.Name),
            ("state approved", new ListIndustrialCollegesRequest { State = State.Approved }, approved.Name),
            ("state under review", new ListIndustrialCollegesRequest { State = State.UnderReview }, underReview.Name),
            ("industry chain", new ListIndustrialCollegesRequest { IndustryChain = chain }, planning.Name),
            ("partner", new ListIndustrialCollegesRequest { PartnerCreditCode = _as.PartnerA }, approved.Name),
            ("chain and state", new ListIndustrialCollegesRequest { IndustryChain = chain, State = State.UnderReview }, underReview.Name),
        };

        foreach (var (filter, request, expected) in filters)
        {
            // The filter does match the host's college (so an empty answer is the visibility rule's doing)...
            Assert.True((await AllNamesAsync(_as.Host, request.Clone())).Contains(expected), $"the host's list by {filter} misses {expected}");
            // ...and the outsider, or a partner of another college, sees none of them.
            Assert.False((await AllNamesAsync(_as.Other, request.Clone())).Overlaps(hosts), $"the outsider's list by {filter} shows the host's colleges");
            Assert.False((await AllNamesAsync(_as.B, request.Clone())).Overlaps(hosts), $"partner B's list by {filter} shows the host's colleges");
        }
    }

    [Fact]
    public async Task PageToken_TakenByTheHost_ReplayedByAnotherOrganisation_RevealsNothing()
    {
        var chain = Chain();
        for (var i = 0; i < 3; i++)
        {
            await _as.Host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = NewCollege(chain) });
        }
        var first = await _as.Host.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { IndustryChain = chain, PageSize = 1 });
        Assert.Single(first.IndustrialColleges);
        Assert.NotEmpty(first.NextPageToken);

        var replayed = await _as.Other.ListIndustrialCollegesAsync(
            new ListIndustrialCollegesRequest { IndustryChain = chain, PageSize = 1, PageToken = first.NextPageToken });
        Assert.Empty(replayed.IndustrialColleges);
        Assert.Empty(replayed.NextPageToken);
        // The token is bound to its query: another filter with it is refused rather than answered.
        await GrpcAssert.InvalidFields(() => _as.Other.ListIndustrialCollegesAsync(
            new ListIndustrialCollegesRequest { State = State.Planning, PageToken = first.NextPageToken }).ResponseAsync, "page_token");
        Assert.Single((await _as.Host.ListIndustrialCollegesAsync(
            new ListIndustrialCollegesRequest { IndustryChain = chain, PageSize = 1, PageToken = first.NextPageToken })).IndustrialColleges);
    }

    [Fact]
    public async Task ChildPageTokens_TakenByTheHost_ReplayedByAnotherOrganisation_NotFound()
    {
        var college = await _as.CreateAsync();
        await _as.AddPartnerAsync(college, _as.PartnerA, Partner.Types.Role.FoundingPartner);
        await _as.AddPartnerAsync(college, _as.PartnerB);
        await _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });
        await _as.B.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });

        var partners = await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name, PageSize = 1 });
        var mentors = await _as.Host.ListMentorsAsync(new ListMentorsRequest { Parent = college.Name, PageSize = 1 });
        Assert.NotEmpty(partners.NextPageToken);
        Assert.NotEmpty(mentors.NextPageToken);

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.ListPartnersAsync(
            new ListPartnersRequest { Parent = college.Name, PageSize = 1, PageToken = partners.NextPageToken }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.ListMentorsAsync(
            new ListMentorsRequest { Parent = college.Name, PageSize = 1, PageToken = mentors.NextPageToken }).ResponseAsync);
    }

    [Fact]
    public async Task FormerPartner_LosesSightOfAPlanningCollege()
    {
        var chain = Chain();
        var college = await _as.Host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = NewCollege(chain) });
        var partner = await _as.AddPartnerAsync(college, _as.PartnerA);
        Assert.Equal(college.Name, (await _as.A.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).Name);

        await _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = partner.Name });

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.A.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.A.ListMentorsAsync(new ListMentorsRequest { Parent = college.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.A.CreateMentorAsync(
            new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() }).ResponseAsync);
        Assert.Empty((await _as.A.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { IndustryChain = chain })).IndustrialColleges);
    }

    [Fact]
    public async Task HostViewer_SeesButCannotUpdate()
    {
        var college = await _as.CreateAsync();
        Assert.Equal(college.Etag, (await _as.HostViewer.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).Etag);

        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.HostViewer.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, DisplayName = $"Viewer's rename {Guid.NewGuid():N}" },
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        }).ResponseAsync);
        Assert.Equal(college.Etag, (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).Etag);
    }

    /// <summary>Every name the caller gets for the query, following page tokens to the end.</summary>
    private static async Task<HashSet<string>> AllNamesAsync(IndustrialCollegeService.IndustrialCollegeServiceClient client,
        ListIndustrialCollegesRequest request)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        request.PageSize = 200;
        do
        {
            var page = await client.ListIndustrialCollegesAsync(request);
            names.UnionWith(page.IndustrialColleges.Select(c => c.Name));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return names;
    }
}

/// <summary>
/// Property level: an update mask naming an output-only or ownership field is INVALID_ARGUMENT on
/// update_mask and changes nothing; an empty mask infers only updatable fields. The same for reports.
/// </summary>
public sealed class PropertyLevelTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);
    private static readonly Timestamp LongAgo = Timestamp.FromDateTime(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));

    /// <summary>A patch that sets every output-only and ownership field to something else.</summary>
    private IndustrialCollege Hostile(IndustrialCollege college) => new()
    {
        Name = college.Name,
        HostCollege = new Organization { CreditCode = Organizations.NewCode("12"), Name = "Usurper College", Kind = OrganizationKind.VocationalCollege },
        State = State.Operating,
        StateReason = "forged",
        PartnerCount = 99,
        CreateTime = LongAgo,
        UpdateTime = LongAgo,
    };

    [Theory]
    [InlineData("name")]
    [InlineData("host_college")]
    [InlineData("host_college.credit_code")]
    [InlineData("host_college.name")]
    [InlineData("host_college.kind")]
    [InlineData("state")]
    [InlineData("state_reason")]
    [InlineData("partner_count")]
    [InlineData("majors.title")]
    [InlineData("create_time")]
    [InlineData("update_time")]
    [InlineData("etag")]
    public async Task UpdateIndustrialCollege_OutputOnlyOrOwnershipInMask_InvalidArgumentAndUnchanged(string path)
    {
        var college = await _as.CreateAsync();

        var error = await GrpcAssert.InvalidFields(() => _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = Hostile(college),
            UpdateMask = new FieldMask { Paths = { path } },
        }).ResponseAsync, "update_mask");

        Assert.Contains(error.FieldViolations, v => v.Description.Contains(path, StringComparison.Ordinal));
        var after = await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name });
        Assert.Equal(college.Etag, after.Etag);
        Assert.Equal(State.Planning, after.State);
        Assert.Equal(_as.College, after.HostCollege.CreditCode);
    }

    [Fact]
    public async Task UpdateIndustrialCollege_UpdatableAndOwnershipPathTogether_NothingApplied()
    {
        var college = await _as.CreateAsync();
        var patch = Hostile(college);
        patch.DisplayName = $"Renamed with a takeover {Guid.NewGuid():N}";

        await GrpcAssert.InvalidFields(() => _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = patch,
            UpdateMask = new FieldMask { Paths = { "display_name", "host_college" } },
        }).ResponseAsync, "update_mask");

        var after = await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name });
        Assert.Equal(college.Etag, after.Etag);
        Assert.Equal(college.DisplayName, after.DisplayName);
    }

    [Fact]
    public async Task UpdateIndustrialCollege_EmptyMask_InfersOnlyUpdatableFields_OwnershipAndOutputOnlyIgnored()
    {
        var college = await _as.CreateAsync();
        var patch = Hostile(college);
        patch.Etag = college.Etag;
        patch.DisplayName = $"Renamed {Guid.NewGuid():N}";

        var updated = await _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest { IndustrialCollege = patch });

        Assert.Equal(patch.DisplayName, updated.DisplayName);
        Assert.Equal(_as.College, updated.HostCollege.CreditCode);
        Assert.Equal(college.HostCollege.Name, updated.HostCollege.Name);
        Assert.Equal(State.Planning, updated.State);
        Assert.Equal(0, updated.PartnerCount);
        Assert.Empty(updated.StateReason);
        Assert.Equal(college.CreateTime, updated.CreateTime);
        Assert.Equal(college.AnnualEnrolmentCapacity, updated.AnnualEnrolmentCapacity);
    }

    [Fact]
    public async Task UpdateIndustrialCollege_EmptyMaskWithOnlyOutputOnlyFields_InvalidArgumentAndUnchanged()
    {
        var college = await _as.CreateAsync();

        await GrpcAssert.InvalidFields(() => _as.Host.UpdateIndustrialCollegeAsync(
            new UpdateIndustrialCollegeRequest { IndustrialCollege = Hostile(college) }).ResponseAsync, "update_mask");
        Assert.Equal(college.Etag, (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).Etag);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("year")]
    [InlineData("state")]
    [InlineData("indicators")]
    [InlineData("indicators.graduates_to_capacity")]
    [InlineData("create_time")]
    [InlineData("update_time")]
    [InlineData("etag")]
    public async Task UpdateReport_OutputOnlyOrKeyInMask_InvalidArgumentAndUnchanged(string path)
    {
        var college = await _as.OperatingAsync();
        var report = await _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) });

        var error = await GrpcAssert.InvalidFields(() => _as.Host.UpdateReportAsync(new UpdateReportRequest
        {
            Report = new Report
            {
                Name = report.Name,
                Year = 2023,
                State = Report.Types.State.Accepted,
                Indicators = new Indicators { GraduatesToCapacity = 9 },
                CreateTime = LongAgo,
                UpdateTime = LongAgo,
            },
            UpdateMask = new FieldMask { Paths = { path } },
        }).ResponseAsync, "update_mask");

        Assert.Contains(error.FieldViolations, v => v.Description.Contains(path, StringComparison.Ordinal));
        var after = await _as.Host.GetReportAsync(new GetReportRequest { Name = report.Name });
        Assert.Equal(report.Etag, after.Etag);
        Assert.Equal(Report.Types.State.Filed, after.State);
        Assert.Equal(2024, after.Year);
    }
}
