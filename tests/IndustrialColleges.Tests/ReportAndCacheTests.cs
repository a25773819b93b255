using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Collaboration.Colleges.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Collaboration.IndustrialColleges.Tests;

public sealed class ReportTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    [Fact]
    public async Task CreateReport_IndicatorsComputedAndNotStored()
    {
        var college = await _as.OperatingAsync(); // capacity 200
        var report = await _as.Host.CreateReportAsync(new CreateReportRequest
        {
            Parent = college.Name,
            Report = new Report
            {
                Year = 2024, Enrolment = 180, Graduates = 150, CoursesDelivered = 40, CoDevelopedCoursesDelivered = 10,
                MentorHours = 900, TraineesHosted = 60,
            },
        });

        Assert.Equal($"{college.Name}/reports/2024", report.Name);
        Assert.Equal(Report.Types.State.Filed, report.State);
        Assert.Equal(0.75, report.Indicators.GraduatesToCapacity);
        Assert.Equal(5.0, report.Indicators.MentorHoursPerStudent);
        Assert.Equal(0.25, report.Indicators.CoDevelopedCourseShare);

        // Capacity is read at request time: a change of capacity changes the indicator, nothing is stored twice.
        await _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, AnnualEnrolmentCapacity = 300 },
            UpdateMask = new FieldMask { Paths = { "annual_enrolment_capacity" } },
        });
        var again = await _as.Other.GetReportAsync(new GetReportRequest { Name = report.Name });
        Assert.Equal(0.5, again.Indicators.GraduatesToCapacity);
    }

    [Fact]
    public async Task CreateReport_OnePerYear_AlreadyExists()
    {
        var college = await _as.OperatingAsync();
        await _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) });

        await GrpcAssert.Status(StatusCode.AlreadyExists, () =>
            _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) }).ResponseAsync);
        Assert.Single((await _as.Host.ListReportsAsync(new ListReportsRequest { Parent = college.Name })).Reports);
    }

    public static TheoryData<string, string> BadReports() => new()
    {
        { "negative-enrolment", "report.enrolment" },
        { "negative-mentor-hours", "report.mentor_hours" },
        { "co-developed-above-delivered", "report.co_developed_courses_delivered" },
        { "future-year", "report.year" },
        { "graduates-above-enrolment", "report.graduates" },
        { "graduates-above-cohort", "report.graduates" },
        { "cohort-without-report", "report.graduates" },
        { "cohort-after-year", "report.graduates_cohort_year" },
    };

    [Theory]
    [MemberData(nameof(BadReports))]
    public async Task CreateReport_BadFigures_InvalidArgumentAndNothingWritten(string problem, string field)
    {
        var college = await _as.OperatingAsync();
        await _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2022, enrolment: 120) });
        var report = Actors.NewReport(2025);
        switch (problem)
        {
            case "negative-enrolment": report.Enrolment = -1; break;
            case "negative-mentor-hours": report.MentorHours = -10; break;
            case "co-developed-above-delivered": report.CoDevelopedCoursesDelivered = report.CoursesDelivered + 1; break;
            case "future-year": report.Year = DateTime.UtcNow.Year + 1; break;
            case "graduates-above-enrolment": report.Graduates = report.Enrolment + 1; break;
            case "graduates-above-cohort": report.Graduates = 121; report.GraduatesCohortYear = 2022; break;
            case "cohort-without-report": report.Graduates = 10; report.GraduatesCohortYear = 2021; break;
            case "cohort-after-year": report.GraduatesCohortYear = 2026; report.Year = 2025; break;
        }

        await GrpcAssert.InvalidFields(() => _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = report }).ResponseAsync, field);

        Assert.Equal(["2022"], (await _as.Host.ListReportsAsync(new ListReportsRequest { Parent = college.Name })).Reports.Select(r => r.Year.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task CreateReport_GraduatesOfAnEarlierCohort_WithinItsEnrolment()
    {
        var college = await _as.OperatingAsync();
        await _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2022, enrolment: 120) });
        var report = Actors.NewReport(2025, enrolment: 10);
        report.Graduates = 120;
        report.GraduatesCohortYear = 2022;

        var created = await _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = report });

        Assert.Equal(120, created.Graduates);
        Assert.Equal(0.6, created.Indicators.GraduatesToCapacity);
    }

    [Fact]
    public async Task UpdateReport_EditableUntilAccepted()
    {
        var college = await _as.OperatingAsync();
        var report = await _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) });

        var updated = await _as.Host.UpdateReportAsync(new UpdateReportRequest
        {
            Report = new Report { Name = report.Name, MentorHours = 1800, Etag = report.Etag },
            UpdateMask = new FieldMask { Paths = { "mentor_hours" } },
        });
        Assert.Equal(10.0, updated.Indicators.MentorHoursPerStudent);

        await GrpcAssert.Status(StatusCode.Aborted, () => _as.Admin.AcceptReportAsync(
            new AcceptReportRequest { Name = report.Name, Etag = report.Etag }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Host.AcceptReportAsync(
            new AcceptReportRequest { Name = report.Name }).ResponseAsync);
        var accepted = await _as.Admin.AcceptReportAsync(new AcceptReportRequest { Name = report.Name, Etag = updated.Etag });
        Assert.Equal(Report.Types.State.Accepted, accepted.State);

        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Host.UpdateReportAsync(new UpdateReportRequest
        {
            Report = new Report { Name = report.Name, MentorHours = 1 },
            UpdateMask = new FieldMask { Paths = { "mentor_hours" } },
        }).ResponseAsync);
        Assert.Contains("Accepted", error.Status.Detail);
    }

    [Fact]
    public async Task UpdateReport_MergedFiguresBreakARule_InvalidArgumentAndUnchanged()
    {
        var college = await _as.OperatingAsync();
        var report = await _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024, enrolment: 100, graduates: 90) });

        await GrpcAssert.InvalidFields(() => _as.Host.UpdateReportAsync(new UpdateReportRequest
        {
            Report = new Report { Name = report.Name, Enrolment = 80 },
            UpdateMask = new FieldMask { Paths = { "enrolment" } },
        }).ResponseAsync, "report.graduates");
        await GrpcAssert.InvalidFields(() => _as.Host.UpdateReportAsync(new UpdateReportRequest
        {
            Report = new Report { Name = report.Name, CoursesDelivered = 1 },
            UpdateMask = new FieldMask { Paths = { "courses_delivered" } },
        }).ResponseAsync, "report.co_developed_courses_delivered");

        Assert.Equal(report, await _as.Host.GetReportAsync(new GetReportRequest { Name = report.Name }));
    }

    [Fact]
    public async Task CreateReport_WhilePlanning_FailedPrecondition()
    {
        var college = await _as.CreateAsync();
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) }).ResponseAsync);
    }
}

public sealed class CacheTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    [Fact]
    public async Task GetIndustrialCollege_ReadThroughCached_InvalidatedByWrites()
    {
        var college = await _as.CreateAsync();
        var get = new GetIndustrialCollegeRequest { Name = college.Name };
        await _as.Host.GetIndustrialCollegeAsync(get); // now cached

        // A change behind the service's back is not seen: the read came from the cache.
        var id = Guid.Parse(college.Name["industrialColleges/".Length..]);
        await fixture.ScalarAsync("UPDATE industrial_colleges SET industry_chain = 'sneaky' WHERE id = @id RETURNING 1", ("id", id));
        Assert.Equal("steel-new-materials", (await _as.Host.GetIndustrialCollegeAsync(get)).IndustryChain);

        // A write through the API drops the entry; the next read sees the database.
        await _as.AddPartnerAsync(college, _as.PartnerA);
        var fresh = await _as.Host.GetIndustrialCollegeAsync(get);
        Assert.Equal("sneaky", fresh.IndustryChain);
        Assert.Equal(1, fresh.PartnerCount);

        await _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, IndustryChain = "electronic-information" },
            UpdateMask = new FieldMask { Paths = { "industry_chain" } },
        });
        Assert.Equal("electronic-information", (await _as.Host.GetIndustrialCollegeAsync(get)).IndustryChain);
        await _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });
        Assert.Equal(IndustrialCollege.Types.State.Submitted, (await _as.Host.GetIndustrialCollegeAsync(get)).State);
    }

    [Fact]
    public async Task Json_CreateCollegeAddCourseFileReport_ThroughTranscoding()
    {
        var http = fixture.Service.Http;
        var college = await _as.OperatingAsync();

        using var course = Post($"/v1/{college.Name}/courses", Tokens.For(_as.PartnerA, "enterprise"),
            """{"title":"轧钢工艺与设备","hours":48,"majorCodes":["430102"]}""");
        using var courseResponse = await http.SendAsync(course, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, courseResponse.StatusCode);

        using var report = Post($"/v1/{college.Name}/reports", Tokens.For(_as.College, "vocational_college"),
            """{"year":2024,"enrolment":200,"graduates":100,"coursesDelivered":8,"coDevelopedCoursesDelivered":2,"mentorHours":500,"traineesHosted":30}""");
        using var reportResponse = await http.SendAsync(report, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, reportResponse.StatusCode);
        using var json = JsonDocument.Parse(await reportResponse.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var indicators = json.RootElement.GetProperty("indicators");
        Assert.Equal(0.5, indicators.GetProperty("graduatesToCapacity").GetDouble());
        Assert.Equal(2.5, indicators.GetProperty("mentorHoursPerStudent").GetDouble());
        Assert.Equal(0.25, indicators.GetProperty("coDevelopedCourseShare").GetDouble());

        using var bad = Post("/v1/industrialColleges", Tokens.For(_as.College, "vocational_college"),
            """{"displayName":"x","industryChain":"steel-new-materials","annualEnrolmentCapacity":0,"majorCatalogueYear":2021}""");
        using var badResponse = await http.SendAsync(bad, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, badResponse.StatusCode);
    }

    private static HttpRequestMessage Post(string path, string token, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}
