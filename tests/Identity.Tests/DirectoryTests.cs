using System.Net;
using System.Net.Http.Json;
using Collaboration.Identity.Endpoints;
using Collaboration.Shared.Validation;
using Collaboration.TestSupport;

namespace Collaboration.Identity.Tests;

/// <summary>The organisation directory over HTTP: what any signed-in caller reads, and what only an admin adds.</summary>
public sealed class DirectoryTests(IdentityFixture fixture)
{
    private async Task<HttpClient> AsAsync(string email) => fixture.Http((await fixture.SignInAsync(email)).AccessToken);

    private async Task<HttpClient> AdminAsync() => fixture.Http(await fixture.AdminTokenAsync());

    /// <summary>Registers organisations whose names start with a prefix no other test uses.</summary>
    private async Task<List<OrganizationView>> RegisterAsync(params (string Name, string Kind, string Prefix2, string Division)[] organizations)
    {
        using var admin = await AdminAsync();
        var registered = new List<OrganizationView>();
        foreach (var (name, kind, prefix2, division) in organizations)
        {
            var code = CreditCode.Complete($"{prefix2}{division}{Organizations.NewCode()[8..16]}");
            registered.Add(await IdentityFixture.ReadAsync<OrganizationView>(
                await admin.PostAsJsonAsync("/api/organizations", new CreateOrganizationRequest(code, name, kind))));
        }
        return registered;
    }

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Lookup_AnySignedInCaller_GetsNameKindRegistrationDateAndDivision()
    {
        using var viewerOfB = await AsAsync("viewer@b.test");

        var organization = await IdentityFixture.ReadAsync<OrganizationView>(await viewerOfB.GetAsync($"/api/organizations/{fixture.OrgA}"));

        Assert.Equal(fixture.OrgA, organization.Code);
        Assert.Equal("Organisation 0", organization.Name);
        Assert.Equal("enterprise", organization.Kind);
        Assert.Equal("431300", organization.Division);
        Assert.Equal("娄底市", organization.DivisionName);
        Assert.True(organization.InCity);
        Assert.InRange(organization.RegisteredAt, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Lookup_UnknownCode_Is404_AnInvalidOne400()
    {
        using var viewer = await AsAsync("viewer@a.test");

        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync($"/api/organizations/{Organizations.NewCode()}")).StatusCode);
        var invalid = await viewer.GetAsync("/api/organizations/91431300MA4L3K7P3X");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("check character", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchByName_WithoutToken_Is401_RegisteringWithoutToken_Is401()
    {
        using var anonymous = fixture.Http();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/organizations?namePrefix=Org")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/organizations",
            new CreateOrganizationRequest(Organizations.NewCode(), "Anonymous Co.", "enterprise"))).StatusCode);
    }

    /// <summary>A lookup by credit code is a public fact, read by the services with no caller at hand.</summary>
    [Theory]
    [InlineData("/api/organizations/{0}")]
    [InlineData("/api/organizations:batchGet?codes={0}")]
    public async Task LookupByCode_WithoutToken_AnswersTheRegisteredFacts(string path)
    {
        using var anonymous = fixture.Http();

        var response = await anonymous.GetAsync(string.Format(path, fixture.OrgA));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(fixture.OrgA, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchGet_AnswersTheRegisteredInRequestOrder_LeavesUnknownOut()
    {
        using var viewer = await AsAsync("viewer@a.test");
        var unknown = Organizations.NewCode();

        var answer = await IdentityFixture.ReadAsync<OrganizationList>(
            await viewer.GetAsync($"/api/organizations:batchGet?codes={fixture.OrgC}&codes={unknown}&codes={fixture.OrgB}&codes={fixture.OrgC}"));

        Assert.Equal([fixture.OrgC, fixture.OrgB], answer.Organizations.Select(o => o.Code));
        Assert.Equal(["enterprise", "university"], answer.Organizations.Select(o => o.Kind));
        var tooMany = string.Join('&', Enumerable.Range(0, OrganizationEndpoints.MaxBatch + 1).Select(_ => $"codes={Organizations.NewCode()}"));
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync($"/api/organizations:batchGet?{tooMany}")).StatusCode);
    }

    [Fact]
    public async Task Search_ByNamePrefix_PagesInNameOrder_IgnoringLatinCase()
    {
        var tag = Tag();
        await RegisterAsync(
            ($"娄底{tag}钢铁有限公司", "enterprise", "91", "431302"),
            ($"娄底{tag}Alpha 学院", "vocational_college", "52", "431381"),
            ($"娄底{tag}alpha 研究院", "research_institute", "12", "431300"),
            ($"娄底{tag}ALPHA 装备", "enterprise", "91", "430100"),
            ($"娄底{tag}贝塔", "enterprise", "91", "431382"),
            ($"长沙{tag}娄底", "enterprise", "91", "430100"));
        using var viewer = await AsAsync("viewer@b.test");

        var names = new List<string>();
        var pages = 0;
        var token = "";
        do
        {
            var page = await IdentityFixture.ReadAsync<OrganizationPage>(await viewer.GetAsync(
                $"/api/organizations?namePrefix={Uri.EscapeDataString($"娄底{tag}")}&pageSize=2&pageToken={Uri.EscapeDataString(token)}"));
            Assert.InRange(page.Organizations.Count, 1, 2);
            names.AddRange(page.Organizations.Select(o => o.Name));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(3, pages);
        Assert.Equal(5, names.Distinct().Count());
        Assert.DoesNotContain($"长沙{tag}娄底", names);
        var latin = await IdentityFixture.ReadAsync<OrganizationPage>(
            await viewer.GetAsync($"/api/organizations?namePrefix={Uri.EscapeDataString($"娄底{tag}aLpHa")}"));
        Assert.Equal(3, latin.Organizations.Count);
        Assert.Equal("", latin.NextPageToken);
        var enterprises = await IdentityFixture.ReadAsync<OrganizationPage>(
            await viewer.GetAsync($"/api/organizations?namePrefix={Uri.EscapeDataString($"娄底{tag}")}&kind=enterprise"));
        Assert.Equal(3, enterprises.Organizations.Count);
        Assert.Equal([false], enterprises.Organizations.Where(o => o.Division == "430100").Select(o => o.InCity));
    }

    [Fact]
    public async Task Search_PageTokenOfAnotherSearch_OrNegativePageSize_Is400()
    {
        var tag = Tag();
        await RegisterAsync(($"{tag} one", "enterprise", "91", "431302"), ($"{tag} two", "enterprise", "91", "431302"));
        using var viewer = await AsAsync("viewer@a.test");
        var first = await IdentityFixture.ReadAsync<OrganizationPage>(await viewer.GetAsync($"/api/organizations?namePrefix={tag}&pageSize=1"));
        Assert.NotEqual("", first.NextPageToken);

        Assert.Equal(HttpStatusCode.BadRequest,
            (await viewer.GetAsync($"/api/organizations?namePrefix={tag}&kind=university&pageToken={Uri.EscapeDataString(first.NextPageToken)}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync($"/api/organizations?namePrefix={tag}&pageSize=-1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync($"/api/organizations?namePrefix={tag}&kind=company")).StatusCode);
    }

    [Fact]
    public async Task Admin_RegistersAMissingOrganisation_WhichEveryoneThenFinds_Audited()
    {
        using var admin = await AdminAsync();
        using var viewer = await AsAsync("viewer@a.test");
        var code = CreditCode.Complete($"91430100{Organizations.NewCode()[8..16]}");
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync($"/api/organizations/{code}")).StatusCode);

        var created = await admin.PostAsJsonAsync("/api/organizations", new CreateOrganizationRequest(code, "  长沙某装备有限公司 ", "enterprise"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var found = await IdentityFixture.ReadAsync<OrganizationView>(await viewer.GetAsync($"/api/organizations/{code}"));
        Assert.Equal("长沙某装备有限公司", found.Name);
        Assert.Equal("430100", found.Division);
        Assert.False(found.InCity);
        Assert.Null(found.DivisionName);
        var audit = await IdentityFixture.ReadAsync<List<AuditView>>(await admin.GetAsync($"/api/audit?organization={code}"));
        Assert.Contains(audit, a => a.Action == "organization.created" && a.Target == code && a.Actor == IdentityFixture.AdminClient);
        Assert.Equal(HttpStatusCode.Conflict,
            (await admin.PostAsJsonAsync("/api/organizations", new CreateOrganizationRequest(code, "又一个名字", "enterprise"))).StatusCode);
    }

    [Theory]
    [InlineData("91431300MA4L3K7P3X", "企业", "enterprise", "code:")]
    [InlineData(null, " ", "enterprise", "name:")]
    [InlineData(null, "企业", "company", "kind:")]
    public async Task Admin_RegisteringAnInvalidOrganisation_Is400NamingTheField(string? code, string name, string kind, string field)
    {
        using var admin = await AdminAsync();

        var answer = await admin.PostAsJsonAsync("/api/organizations", new CreateOrganizationRequest(code ?? Organizations.NewCode(), name, kind));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains(field, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("owner@a.test")]
    [InlineData("editor@a.test")]
    public async Task NonAdmin_CannotRegisterAnOrganisation_403(string email)
    {
        using var http = await AsAsync(email);
        var code = Organizations.NewCode();

        var answer = await http.PostAsJsonAsync("/api/organizations", new CreateOrganizationRequest(code, "自称的大学", "university"));

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/organizations/{code}")).StatusCode);
    }
}
