using Collaboration.Colleges.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Collaboration.IndustrialColleges.Tests;

/// <summary>
/// Courses, training bases and mentors read singly and updated: readable by whoever reads the college, changed
/// only by the enterprise that contributed them, with an etag, a mask of updatable fields and Create's validation.
/// </summary>
public sealed class ContributionGetUpdateTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);
    private static readonly Timestamp LongAgo = Timestamp.FromDateTime(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));

    private Task<Course> CourseOfAAsync(IndustrialCollege college) =>
        _as.A.CreateCourseAsync(new CreateCourseRequest
        {
            Parent = college.Name, Course = new Course { Title = "转炉炼钢实务", Hours = 64, MajorCodes = { "430102" } },
        }).ResponseAsync;

    private Task<TrainingBase> BaseOfAAsync(IndustrialCollege college) =>
        _as.A.CreateTrainingBaseAsync(new CreateTrainingBaseRequest
        {
            Parent = college.Name, TrainingBase = new TrainingBase { DisplayName = "实训基地", Address = "娄底经开区", Capacity = 40 },
        }).ResponseAsync;

    [Fact]
    public async Task GetCourseTrainingBaseMentor_ByAnyReaderOfTheCollege_ReturnWhatWasCreated()
    {
        var college = await _as.OperatingAsync();
        var course = await CourseOfAAsync(college);
        var trainingBase = await BaseOfAAsync(college);
        var mentor = await _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });

        // An operating college is public: an organisation with no part in it reads the contributions too.
        Assert.Equal(course, await _as.Other.GetCourseAsync(new GetCourseRequest { Name = course.Name }));
        Assert.Equal(trainingBase, await _as.Host.GetTrainingBaseAsync(new GetTrainingBaseRequest { Name = trainingBase.Name }));
        Assert.Equal(mentor, await _as.B.GetMentorAsync(new GetMentorRequest { Name = mentor.Name }));
        Assert.NotEmpty(course.Etag);
        Assert.Equal(course.CreateTime, course.UpdateTime);
    }

    [Fact]
    public async Task GetCourse_MissingOrUnderAnotherCollege_NotFound()
    {
        var college = await _as.OperatingAsync();
        var other = await _as.OperatingAsync();
        var course = await CourseOfAAsync(college);
        var id = course.Name[(course.Name.LastIndexOf('/') + 1)..];

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.A.GetCourseAsync(
            new GetCourseRequest { Name = $"{college.Name}/courses/{Guid.NewGuid()}" }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.A.GetCourseAsync(
            new GetCourseRequest { Name = $"{other.Name}/courses/{id}" }).ResponseAsync);
        await GrpcAssert.InvalidFields(() => _as.A.GetCourseAsync(new GetCourseRequest { Name = $"{college.Name}/mentors/{id}" }).ResponseAsync, "name");
    }

    [Fact]
    public async Task GetAndUpdate_OfANonPublicCollege_ByAnOutsider_NotFoundLikeList()
    {
        var college = await _as.CreateAsync();
        await _as.AddPartnerAsync(college, _as.PartnerA, Partner.Types.Role.FoundingPartner);
        var mentor = await _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.ListMentorsAsync(new ListMentorsRequest { Parent = college.Name }).ResponseAsync);
        var error = await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetMentorAsync(new GetMentorRequest { Name = mentor.Name }).ResponseAsync);
        Assert.DoesNotContain(mentor.DisplayName, error.Status.Detail, StringComparison.Ordinal);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.UpdateMentorAsync(new UpdateMentorRequest
        {
            Mentor = new Mentor { Name = mentor.Name, Specialty = "taken over" },
            UpdateMask = new FieldMask { Paths = { "specialty" } },
        }).ResponseAsync);
        // The partner that contributed it still reads it.
        Assert.Equal(mentor, await _as.A.GetMentorAsync(new GetMentorRequest { Name = mentor.Name }));
    }

    [Fact]
    public async Task UpdateCourse_ByItsEnterprise_ChangesMaskedFields_MovesEtag_AndIsAudited()
    {
        var college = await _as.OperatingAsync();
        var course = await CourseOfAAsync(college);

        var updated = await _as.A.UpdateCourseAsync(new UpdateCourseRequest
        {
            Course = new Course { Name = course.Name, Etag = course.Etag, Title = "  精炼工艺  ", Hours = 48, MajorCodes = { "460104", "430102" } },
            UpdateMask = new FieldMask { Paths = { "title", "major_codes" } },
        });

        Assert.Equal("精炼工艺", updated.Title);
        Assert.Equal(64, updated.Hours);
        Assert.Equal(["460104", "430102"], updated.MajorCodes);
        Assert.Equal(_as.PartnerA, updated.EnterpriseCreditCode);
        Assert.NotEqual(course.Etag, updated.Etag);
        Assert.Equal(course.CreateTime, updated.CreateTime);
        Assert.True(updated.UpdateTime.ToDateTime() > course.UpdateTime.ToDateTime());
        Assert.Equal(updated, await _as.Host.GetCourseAsync(new GetCourseRequest { Name = course.Name }));
        Assert.Equal(updated, Assert.Single((await _as.Host.ListCoursesAsync(new ListCoursesRequest { Parent = college.Name })).Courses));
        var audit = await _as.Host.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = college.Name, PageSize = 100 });
        var entry = Assert.Single(audit.AuditEntries, e => e.Action == "UpdateCourse");
        Assert.Equal(course.Name, entry.Resource);
        Assert.Equal(_as.PartnerA, entry.ActorOrganization);
        Assert.Contains("title", entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateTrainingBaseAndMentor_EmptyMask_UpdatesTheFieldsSent()
    {
        var college = await _as.OperatingAsync();
        var trainingBase = await BaseOfAAsync(college);
        var mentor = await _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });

        var movedBase = await _as.A.UpdateTrainingBaseAsync(new UpdateTrainingBaseRequest
        {
            TrainingBase = new TrainingBase { Name = trainingBase.Name, Address = "娄底市娄星区", Capacity = 60 },
        });
        var promoted = await _as.A.UpdateMentorAsync(new UpdateMentorRequest
        {
            Mentor = new Mentor { Name = mentor.Name, Etag = mentor.Etag, Title = "正高级工程师" },
        });

        Assert.Equal(("娄底市娄星区", 60, trainingBase.DisplayName), (movedBase.Address, movedBase.Capacity, movedBase.DisplayName));
        Assert.Equal(("正高级工程师", mentor.DisplayName, mentor.Specialty), (promoted.Title, promoted.DisplayName, promoted.Specialty));
        Assert.Equal(promoted, await _as.Other.GetMentorAsync(new GetMentorRequest { Name = mentor.Name }));
        // The audit names the fields changed, never a mentor's personal data.
        var audit = await _as.Host.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = college.Name, PageSize = 100 });
        Assert.DoesNotContain(audit.AuditEntries, e => e.Detail.Contains("正高级工程师", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpdateMentor_StaleEtag_Aborted_AndUnchanged()
    {
        var college = await _as.OperatingAsync();
        var mentor = await _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });
        var first = await _as.A.UpdateMentorAsync(new UpdateMentorRequest
        {
            Mentor = new Mentor { Name = mentor.Name, Etag = mentor.Etag, Specialty = "轧钢" },
            UpdateMask = new FieldMask { Paths = { "specialty" } },
        });

        await GrpcAssert.Status(StatusCode.Aborted, () => _as.A.UpdateMentorAsync(new UpdateMentorRequest
        {
            Mentor = new Mentor { Name = mentor.Name, Etag = mentor.Etag, Specialty = "炼铁" },
            UpdateMask = new FieldMask { Paths = { "specialty" } },
        }).ResponseAsync);

        Assert.Equal(first, await _as.A.GetMentorAsync(new GetMentorRequest { Name = mentor.Name }));
    }

    [Fact]
    public async Task UpdateMentor_OfAnotherPartner_PermissionDenied_AndUnchanged()
    {
        var college = await _as.OperatingAsync();
        var mentorOfB = await _as.B.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });
        var takeover = new UpdateMentorRequest
        {
            Mentor = new Mentor { Name = mentorOfB.Name, DisplayName = "李师傅" },
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        };

        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.A.UpdateMentorAsync(takeover).ResponseAsync);
        // Neither the host nor an admin edits what a partner contributes, as with Delete.
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Host.UpdateMentorAsync(takeover).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.UpdateMentorAsync(takeover).ResponseAsync);
        var viewerOfB = fixture.Service.Client<IndustrialCollegeService.IndustrialCollegeServiceClient>(Tokens.For(_as.PartnerB, "enterprise", "viewer"));
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => viewerOfB.UpdateMentorAsync(takeover).ResponseAsync);

        Assert.Equal(mentorOfB, await _as.B.GetMentorAsync(new GetMentorRequest { Name = mentorOfB.Name }));
        Assert.Equal("李师傅", (await _as.B.UpdateMentorAsync(takeover)).DisplayName);
    }

    [Fact]
    public async Task UpdateCourse_AfterTheEnterpriseLeft_FailedPrecondition_AndUnchanged()
    {
        var college = await _as.OperatingAsync();
        var course = await _as.B.CreateCourseAsync(new CreateCourseRequest
        {
            Parent = college.Name, Course = new Course { Title = "轧钢实务", Hours = 16, MajorCodes = { "430102" } },
        });
        var partners = await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name });
        await _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = partners.Partners.Single(p => p.Organization.CreditCode == _as.PartnerB).Name });

        // What a former partner contributed is the college's history: it stays as it was.
        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.B.UpdateCourseAsync(new UpdateCourseRequest
        {
            Course = new Course { Name = course.Name, Hours = 1 },
            UpdateMask = new FieldMask { Paths = { "hours" } },
        }).ResponseAsync);
        Assert.Equal("NOT_A_CURRENT_PARTNER", error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>().Reason);
        Assert.Equal(course, await _as.Host.GetCourseAsync(new GetCourseRequest { Name = course.Name }));
    }

    [Fact]
    public async Task Update_InvalidValues_SameFieldViolationsAsCreate_AndUnchanged()
    {
        var college = await _as.OperatingAsync();
        var course = await CourseOfAAsync(college);
        var trainingBase = await BaseOfAAsync(college);

        await GrpcAssert.InvalidFields(() => _as.A.UpdateCourseAsync(new UpdateCourseRequest
        {
            Course = new Course { Name = course.Name, Title = " ", Hours = 2001 },
            UpdateMask = new FieldMask { Paths = { "title", "hours", "major_codes" } },
        }).ResponseAsync, "course.title", "course.hours", "course.major_codes");
        await GrpcAssert.InvalidFields(() => _as.A.UpdateCourseAsync(new UpdateCourseRequest
        {
            Course = new Course { Name = course.Name, MajorCodes = { "430102", "999999" } },
            UpdateMask = new FieldMask { Paths = { "major_codes" } },
        }).ResponseAsync, "course.major_codes[1]");
        await GrpcAssert.InvalidFields(() => _as.A.UpdateTrainingBaseAsync(new UpdateTrainingBaseRequest
        {
            TrainingBase = new TrainingBase { Name = trainingBase.Name, Capacity = -1 },
            UpdateMask = new FieldMask { Paths = { "capacity" } },
        }).ResponseAsync, "training_base.capacity");

        Assert.Equal(course, await _as.A.GetCourseAsync(new GetCourseRequest { Name = course.Name }));
        Assert.Equal(trainingBase, await _as.A.GetTrainingBaseAsync(new GetTrainingBaseRequest { Name = trainingBase.Name }));
    }

    [Theory]
    [InlineData("name")]
    [InlineData("enterprise_credit_code")]
    [InlineData("create_time")]
    [InlineData("update_time")]
    [InlineData("etag")]
    public async Task UpdateCourse_OutputOnlyOrOwnershipInMask_InvalidArgumentAndUnchanged(string path)
    {
        var college = await _as.OperatingAsync();
        var course = await CourseOfAAsync(college);

        var error = await GrpcAssert.InvalidFields(() => _as.A.UpdateCourseAsync(new UpdateCourseRequest
        {
            Course = new Course { Name = course.Name, EnterpriseCreditCode = _as.PartnerB, CreateTime = LongAgo, UpdateTime = LongAgo, Etag = "9" },
            UpdateMask = new FieldMask { Paths = { path } },
        }).ResponseAsync, "update_mask");

        Assert.Contains(error.FieldViolations, v => v.Description.Contains(path, StringComparison.Ordinal));
        Assert.Equal(course, await _as.A.GetCourseAsync(new GetCourseRequest { Name = course.Name }));
    }

    [Theory]
    [InlineData("training_base", "enterprise_credit_code")]
    [InlineData("training_base", "create_time")]
    [InlineData("mentor", "enterprise_credit_code")]
    [InlineData("mentor", "name")]
    [InlineData("mentor", "update_time")]
    public async Task UpdateTrainingBaseOrMentor_OutputOnlyOrOwnershipInMask_InvalidArgumentAndUnchanged(string resource, string path)
    {
        var college = await _as.OperatingAsync();
        var trainingBase = await BaseOfAAsync(college);
        var mentor = await _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });
        var mask = new FieldMask { Paths = { "display_name", path } };

        var error = resource == "mentor"
            ? await GrpcAssert.InvalidFields(() => _as.A.UpdateMentorAsync(new UpdateMentorRequest
            {
                Mentor = new Mentor { Name = mentor.Name, DisplayName = "李师傅", EnterpriseCreditCode = _as.PartnerB, UpdateTime = LongAgo },
                UpdateMask = mask,
            }).ResponseAsync, "update_mask")
            : await GrpcAssert.InvalidFields(() => _as.A.UpdateTrainingBaseAsync(new UpdateTrainingBaseRequest
            {
                TrainingBase = new TrainingBase { Name = trainingBase.Name, DisplayName = "新基地", EnterpriseCreditCode = _as.PartnerB, CreateTime = LongAgo },
                UpdateMask = mask,
            }).ResponseAsync, "update_mask");

        Assert.Contains(error.FieldViolations, v => v.Description.Contains(path, StringComparison.Ordinal));
        Assert.Equal(trainingBase, await _as.A.GetTrainingBaseAsync(new GetTrainingBaseRequest { Name = trainingBase.Name }));
        Assert.Equal(mentor, await _as.A.GetMentorAsync(new GetMentorRequest { Name = mentor.Name }));
    }

    [Fact]
    public async Task UpdateCourse_EmptyMaskWithOnlyOwnershipSet_InvalidArgument_EnterpriseKept()
    {
        var college = await _as.OperatingAsync();
        var course = await CourseOfAAsync(college);

        await GrpcAssert.InvalidFields(() => _as.A.UpdateCourseAsync(new UpdateCourseRequest
        {
            Course = new Course { Name = course.Name, EnterpriseCreditCode = _as.PartnerB },
        }).ResponseAsync, "update_mask");

        Assert.Equal(_as.PartnerA, (await _as.B.GetCourseAsync(new GetCourseRequest { Name = course.Name })).EnterpriseCreditCode);
    }
}
