using Collaboration.Colleges.V1;
using Collaboration.TestSupport;
using Google.Rpc;
using Grpc.Core;

namespace Collaboration.IndustrialColleges.Tests;

public sealed class PartnerContributionTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private static CreateMentorRequest Mentor(IndustrialCollege college, string? enterprise = null) =>
        new() { Parent = college.Name, Mentor = Actors.NewMentor(enterprise) };

    [Fact]
    public async Task CreateMentor_ByPartner_InItsOwnName()
    {
        var college = await _as.OperatingAsync();

        var mentor = await _as.A.CreateMentorAsync(Mentor(college));

        Assert.StartsWith($"{college.Name}/mentors/", mentor.Name);
        Assert.Equal(_as.PartnerA, mentor.EnterpriseCreditCode);
        var list = await _as.Other.ListMentorsAsync(new ListMentorsRequest { Parent = college.Name });
        Assert.Single(list.Mentors, m => m.Name == mentor.Name);
    }

    [Fact]
    public async Task PartnerA_CannotTouchPartnerBsMentors()
    {
        var college = await _as.OperatingAsync();
        var mentorOfB = await _as.B.CreateMentorAsync(Mentor(college));

        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.A.DeleteMentorAsync(new DeleteMentorRequest { Name = mentorOfB.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.A.CreateMentorAsync(Mentor(college, _as.PartnerB)).ResponseAsync);
        // Neither the host nor an admin manages what a partner contributes.
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Host.DeleteMentorAsync(new DeleteMentorRequest { Name = mentorOfB.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.DeleteMentorAsync(new DeleteMentorRequest { Name = mentorOfB.Name }).ResponseAsync);

        await _as.B.DeleteMentorAsync(new DeleteMentorRequest { Name = mentorOfB.Name });
        Assert.Empty((await _as.A.ListMentorsAsync(new ListMentorsRequest { Parent = college.Name })).Mentors);
    }

    [Fact]
    public async Task CreateTrainingBase_EnterpriseNotACurrentPartner_FailedPrecondition()
    {
        var college = await _as.OperatingAsync();

        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Other.CreateTrainingBaseAsync(new CreateTrainingBaseRequest
        {
            Parent = college.Name,
            TrainingBase = new TrainingBase { DisplayName = "实训基地", Address = "娄底经开区", Capacity = 40 },
        }).ResponseAsync);

        Assert.Equal("NOT_A_CURRENT_PARTNER", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Empty((await _as.Host.ListTrainingBasesAsync(new ListTrainingBasesRequest { Parent = college.Name })).TrainingBases);
    }

    [Fact]
    public async Task CreateMentor_EnterpriseNotACurrentPartner_FailedPrecondition()
    {
        var college = await _as.OperatingAsync();
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Other.CreateMentorAsync(Mentor(college)).ResponseAsync);
    }

    [Fact]
    public async Task CreateTrainingBase_BadInput_InvalidArgumentAndNothingWritten()
    {
        var college = await _as.OperatingAsync();

        await GrpcAssert.InvalidFields(() => _as.A.CreateTrainingBaseAsync(new CreateTrainingBaseRequest
        {
            Parent = college.Name,
            TrainingBase = new TrainingBase { DisplayName = "", Address = "娄底", Capacity = 0, EnterpriseCreditCode = "123" },
        }).ResponseAsync, "training_base.display_name", "training_base.capacity", "training_base.enterprise_credit_code");

        Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM college_training_bases WHERE enterprise_code = @a", ("a", _as.PartnerA)));
    }

    [Fact]
    public async Task CreateCourse_MajorTheCollegeDoesNotOffer_InvalidArgument()
    {
        var college = await _as.OperatingAsync(); // offers 430102 and 460104

        await GrpcAssert.InvalidFields(() => _as.A.CreateCourseAsync(new CreateCourseRequest
        {
            Parent = college.Name,
            Course = new Course { Title = "转炉炼钢实务", Hours = 64, MajorCodes = { "430102", "510101" } },
        }).ResponseAsync, "course.major_codes[1]");

        var course = await _as.A.CreateCourseAsync(new CreateCourseRequest
        {
            Parent = college.Name,
            Course = new Course { Title = "转炉炼钢实务", Hours = 64, MajorCodes = { "430102" } },
        });
        Assert.Equal(_as.PartnerA, course.EnterpriseCreditCode);
    }

    [Fact]
    public async Task RemovePartner_EndsTheLinkAndKeepsWhatItContributed()
    {
        var college = await _as.OperatingAsync();
        var mentor = await _as.A.CreateMentorAsync(Mentor(college));
        var course = await _as.A.CreateCourseAsync(new CreateCourseRequest
        {
            Parent = college.Name, Course = new Course { Title = "数控编程", Hours = 32, MajorCodes = { "460104" } },
        });
        var partnerA = (await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name })).Partners
            .Single(p => p.Organization.CreditCode == _as.PartnerA);

        var removed = await _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = partnerA.Name });

        Assert.NotNull(removed.LeftDate);
        var current = await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name });
        Assert.DoesNotContain(current.Partners, p => p.Organization.CreditCode == _as.PartnerA);
        var history = await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name, ShowRemoved = true });
        Assert.Contains(history.Partners, p => p.Name == partnerA.Name && p.LeftDate is not null);
        Assert.Contains((await _as.Host.ListMentorsAsync(new ListMentorsRequest { Parent = college.Name })).Mentors, m => m.Name == mentor.Name);
        Assert.Contains((await _as.Host.ListCoursesAsync(new ListCoursesRequest { Parent = college.Name })).Courses, c => c.Name == course.Name);
        // The former partner can neither add more nor erase the record.
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.A.CreateMentorAsync(Mentor(college)).ResponseAsync);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.A.DeleteMentorAsync(new DeleteMentorRequest { Name = mentor.Name }).ResponseAsync);
        Assert.Equal(1, (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).PartnerCount);
    }

    [Fact]
    public async Task RemovePartner_Twice_FailedPrecondition()
    {
        var college = await _as.CreateAsync();
        var partner = await _as.AddPartnerAsync(college, _as.PartnerA);
        await _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = partner.Name });

        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = partner.Name }).ResponseAsync);
    }

    [Fact]
    public async Task CreateMentor_RetryWithSameRequestId_WritesOnce()
    {
        var college = await _as.OperatingAsync();
        var request = Mentor(college);
        request.RequestId = Guid.NewGuid().ToString();

        var first = await _as.A.CreateMentorAsync(request);
        var retry = await _as.A.CreateMentorAsync(request);

        Assert.Equal(first, retry);
        Assert.Single((await _as.A.ListMentorsAsync(new ListMentorsRequest { Parent = college.Name })).Mentors);
    }
}

public sealed class VisibilityTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    [Fact]
    public async Task Planning_VisibleToHostPartnersAdmins_NotFoundForOthers()
    {
        var college = await _as.CreateAsync();
        await _as.AddPartnerAsync(college, _as.PartnerA);
        var get = new GetIndustrialCollegeRequest { Name = college.Name };

        Assert.Equal(college.Name, (await _as.Host.GetIndustrialCollegeAsync(get)).Name);
        Assert.Equal(college.Name, (await _as.A.GetIndustrialCollegeAsync(get)).Name);
        Assert.Equal(college.Name, (await _as.Admin.GetIndustrialCollegeAsync(get)).Name);
        var error = await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetIndustrialCollegeAsync(get).ResponseAsync);
        Assert.Contains(college.Name, error.Status.Detail);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.ListMentorsAsync(new ListMentorsRequest { Parent = college.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.CreateMentorAsync(
            new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() }).ResponseAsync);
        Assert.DoesNotContain((await _as.Other.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { PageSize = 200 })).IndustrialColleges,
            c => c.Name == college.Name);
        Assert.Contains((await _as.A.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { PartnerCreditCode = _as.PartnerA })).IndustrialColleges,
            c => c.Name == college.Name);
    }

    [Fact]
    public async Task Operating_VisibleToEverySignedInUser_ButOnlyTheRightOnesAct()
    {
        var college = await _as.OperatingAsync();
        var get = new GetIndustrialCollegeRequest { Name = college.Name };

        Assert.Equal(college.Name, (await _as.Other.GetIndustrialCollegeAsync(get)).Name);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Other.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, AnnualEnrolmentCapacity = 1 },
            UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "annual_enrolment_capacity" } },
        }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.HostViewer.CreateReportAsync(
            new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.A.CreateReportAsync(
            new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Host.StartIndustrialCollegeReviewAsync(
            new StartIndustrialCollegeReviewRequest { Name = college.Name, Reason = "x" }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.A.AddPartnerAsync(new AddPartnerRequest
        {
            Parent = college.Name,
            Partner = new Partner { Organization = new Collaboration.Common.V1.Organization { CreditCode = _as.Outsider, Name = "X" }, Role = Partner.Types.Role.Partner },
        }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Other.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = college.Name }).ResponseAsync);
    }

    [Fact]
    public async Task UnderReview_NotPublicAnyMore()
    {
        var college = await _as.OperatingAsync();
        await _as.Admin.StartIndustrialCollegeReviewAsync(new StartIndustrialCollegeReviewRequest { Name = college.Name, Reason = "整改" });

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
        Assert.Equal(college.Name, (await _as.B.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).Name);
    }

    [Fact]
    public async Task AdminActs_ByHost_PermissionDenied_HostActs_ByAdmin_PermissionDenied()
    {
        var college = await _as.CreateAsync();
        await _as.AddPartnerAsync(college, _as.PartnerA);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.SubmitIndustrialCollegeAsync(
            new SubmitIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
        await _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Host.ApproveIndustrialCollegeAsync(
            new ApproveIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
    }

    [Fact]
    public async Task NoToken_Unauthenticated()
    {
        var anonymous = fixture.Service.Client<IndustrialCollegeService.IndustrialCollegeServiceClient>(null);
        await GrpcAssert.Status(StatusCode.Unauthenticated, () => anonymous.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest()).ResponseAsync);
    }
}
