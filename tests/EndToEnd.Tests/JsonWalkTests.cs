using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Collaboration.EndToEnd.Tests;

/// <summary>What the README's curl lines do, through the gateway's JSON port.</summary>
public sealed class JsonWalkTests(PlatformFixture platform)
{
    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string token, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        using var response = await platform.GatewayHttp.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path} → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private Task<JsonElement> PostAsync(string path, string token, string body = "{}") => SendAsync(HttpMethod.Post, path, token, body);

    [Fact]
    public async Task Labs_OneApplicationFromDraftToOperating()
    {
        var owner = await platform.OwnerTokenAsync("lab-host");
        var admin = await platform.AdminTokenAsync();

        var lab = await PostAsync("/v1/labs", owner, """
            {"kind":"ENTERPRISE_TECHNOLOGY_CENTER","level":"MUNICIPAL","displayName":"E2E 特种钢企业技术中心",
             "hostOrganization":{"name":"E2E Steel Co.","kind":"ENTERPRISE"},"researchField":"special steel",
             "applicationSummary":"Thin-strip casting research."}
            """);
        var name = lab.GetProperty("name").GetString()!;
        Assert.Equal("DRAFT", lab.GetProperty("state").GetString());

        string[] steps = ["submit", "startPreliminaryReview", "passPreliminaryReview", "passExpertReview", "accredit",
            "startConstruction", "requestAcceptance", "passAcceptance"];
        foreach (var step in steps)
        {
            var byHost = step is "submit" or "startConstruction" or "requestAcceptance";
            lab = await PostAsync($"/v1/{name}:{step}", byHost ? owner : admin);
        }

        Assert.Equal("OPERATING", lab.GetProperty("state").GetString());
        // Operating platforms are readable by every signed-in user.
        var other = await SendAsync(HttpMethod.Get, $"/v1/{name}", await platform.OwnerTokenAsync("stranger"));
        Assert.Equal("OPERATING", other.GetProperty("state").GetString());
    }

    [Fact]
    public async Task IndustrialColleges_CreateAddCourseFileReport_IndicatorsComputed()
    {
        var enterprise = platform.Code("college-partner");
        var host = await platform.OwnerTokenAsync("college-host");
        var partner = await platform.OwnerTokenAsync("college-partner");

        var created = await PostAsync("/v1/industrialColleges", host, """
            {"displayName":"E2E 钢铁新材料产业学院","hostCollege":{"name":"E2E Vocational College"},
             "industryChain":"steel-new-materials","annualEnrolmentCapacity":240,
             "majorCatalogueYear":2021,"majors":[{"code":"430102"}]}
            """);
        var name = created.GetProperty("name").GetString()!;
        var invited = await PostAsync($"/v1/{name}/partners", host,
            $$"""{"organization":{"creditCode":"{{enterprise}}","name":"E2E Steel Co."},"role":"FOUNDING_PARTNER"}""");
        // Invited, not yet a partner: the enterprise accepts as itself, and the name and kind are the directory's.
        Assert.Equal("LINK_STATE_INVITED", invited.GetProperty("state").GetString());
        Assert.Equal("E2E college-partner", invited.GetProperty("organization").GetProperty("name").GetString());
        var accepted = await PostAsync($"/v1/{invited.GetProperty("name").GetString()}:accept", partner);
        Assert.Equal("LINK_STATE_ACTIVE", accepted.GetProperty("state").GetString());
        var course = await PostAsync($"/v1/{name}/courses", partner, """{"title":"转炉炼钢生产实务","hours":64,"majorCodes":["430102"]}""");
        Assert.Equal(enterprise, course.GetProperty("enterpriseCreditCode").GetString());
        await PostAsync($"/v1/{name}:submit", host);
        await PostAsync($"/v1/{name}:approve", await platform.AdminTokenAsync());

        var report = await PostAsync($"/v1/{name}/reports", host, """
            {"year":2025,"enrolment":200,"graduates":120,"coursesDelivered":8,"coDevelopedCoursesDelivered":2,"mentorHours":500,"traineesHosted":30}
            """);

        var indicators = report.GetProperty("indicators");
        Assert.Equal(0.5, indicators.GetProperty("graduatesToCapacity").GetDouble(), 3);
        Assert.Equal(2.5, indicators.GetProperty("mentorHoursPerStudent").GetDouble(), 3);
        Assert.Equal(0.25, indicators.GetProperty("coDevelopedCourseShare").GetDouble(), 3);
    }

    [Fact]
    public async Task Cohorts_CsvRosterUpload_ThroughTheGateway_ReportsBadLinesAndImportsTheRest()
    {
        var collegeCode = platform.Code("cohort-college");
        var sponsorCode = platform.Code("cohort-sponsor");
        var college = await platform.OwnerTokenAsync("cohort-college");
        var sponsor = await platform.OwnerTokenAsync("cohort-sponsor");

        var cohort = await PostAsync("/v1/cohorts", college, $$$"""
            {"kind":"ORDER_CLASS","displayName":"E2E 液压数控订单班",
             "college":{"creditCode":"{{{collegeCode}}}","name":"E2E Technician College"},
             "sponsors":[{"organization":{"creditCode":"{{{sponsorCode}}}","name":"E2E Hydraulics Co."}}],
             "majorCode":"460103","occupationCode":"6-18-01-07","industryChain":"advanced-equipment",
             "seats":40,"placementCommitment":30,"startDate":{"year":2026,"month":9,"day":1},"endDate":{"year":2028,"month":6,"day":30}}
            """);
        var name = cohort.GetProperty("name").GetString()!;
        await PostAsync($"/v1/{name}:submit", college);
        await PostAsync($"/v1/{name}:confirm", sponsor);
        await PostAsync($"/v1/{name}:approve", await platform.AdminTokenAsync());
        await PostAsync($"/v1/{name}:openRecruitment", college);

        var csv = "student_number,display_name,identity_number,college_mentor,enterprise_mentor\n"
            + $"S001,测试学员甲（虚构）,{IdentityNumber("43139920050101001")},王老师,李师傅\n"
            + "S002,测试学员乙（虚构）,431399200501010020,王老师,李师傅\n" // wrong check digit
            + $"S003,测试学员丙（虚构）,{IdentityNumber("43139920050101003")},王老师,李师傅\n";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/{name}:importEnrolments?allow_partial=true&request_id={Guid.NewGuid()}")
        {
            Content = new StringContent(csv, Encoding.UTF8, "text/csv"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", college);
        using var response = await platform.GatewayHttp.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);

        using var result = JsonDocument.Parse(text);
        Assert.Equal(2, result.RootElement.GetProperty("rowsImported").GetInt32());
        var error = Assert.Single(result.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Equal("identity_number", error.GetProperty("field").GetString());
        Assert.DoesNotContain("431399200501010020", text, StringComparison.Ordinal);
    }

    /// <summary>Completes 17 digits with the GB 11643 check character.</summary>
    private static string IdentityNumber(string first17)
    {
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = first17.Select((c, i) => (c - '0') * weights[i]).Sum();
        return first17 + "10X98765432"[sum % 11];
    }
}
