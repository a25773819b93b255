using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Collaboration.TestSupport;

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
        var host = Organizations.NewCode();
        var owner = Tokens.For(host, "enterprise");
        var admin = Tokens.Admin();

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
        var other = await SendAsync(HttpMethod.Get, $"/v1/{name}", Tokens.For(Organizations.NewCode(), "enterprise"));
        Assert.Equal("OPERATING", other.GetProperty("state").GetString());
    }

    [Fact]
    public async Task IndustrialColleges_CreateAddCourseFileReport_IndicatorsComputed()
    {
        var college = Organizations.NewCode("12");
        var enterprise = Organizations.NewCode();
        var host = Tokens.For(college, "vocational_college");
        var partner = Tokens.For(enterprise, "enterprise");

        var created = await PostAsync("/v1/industrialColleges", host, """
            {"displayName":"E2E 钢铁新材料产业学院","hostCollege":{"name":"E2E Vocational College"},
             "industryChain":"steel-new-materials","annualEnrolmentCapacity":240,
             "majorCatalogueYear":2021,"majors":[{"code":"430102"}]}
            """);
        var name = created.GetProperty("name").GetString()!;
        await PostAsync($"/v1/{name}/partners", host,
            $$"""{"organization":{"creditCode":"{{enterprise}}","name":"E2E Steel Co."},"role":"FOUNDING_PARTNER"}""");
        var course = await PostAsync($"/v1/{name}/courses", partner, """{"title":"转炉炼钢生产实务","hours":64,"majorCodes":["430102"]}""");
        Assert.Equal(enterprise, course.GetProperty("enterpriseCreditCode").GetString());
        await PostAsync($"/v1/{name}:submit", host);
        await PostAsync($"/v1/{name}:approve", Tokens.Admin());

        var report = await PostAsync($"/v1/{name}/reports", host, """
            {"year":2025,"enrolment":200,"graduates":120,"coursesDelivered":8,"coDevelopedCoursesDelivered":2,"mentorHours":500,"traineesHosted":30}
            """);

        var indicators = report.GetProperty("indicators");
        Assert.Equal(0.5, indicators.GetProperty("graduatesToCapacity").GetDouble(), 3);
        Assert.Equal(2.5, indicators.GetProperty("mentorHoursPerStudent").GetDouble(), 3);
        Assert.Equal(0.25, indicators.GetProperty("coDevelopedCourseShare").GetDouble(), 3);
    }
}
