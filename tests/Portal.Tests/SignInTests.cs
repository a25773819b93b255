using Microsoft.Playwright;

namespace Collaboration.Portal.Tests;

public sealed class SignInTests(PortalFixture portal) : BrowserTest(portal)
{
    public static TheoryData<string, string> SeededPeople => new()
    {
        { PortalFixture.AdminEmail, "admin" },
        { PortalFixture.Email("owner", PortalFixture.FlowEnterprise), "enterprise" },
        { PortalFixture.Email("editor", PortalFixture.ConflictEnterprise), "enterprise" },
        { PortalFixture.Email("viewer", PortalFixture.ViewerEnterprise), "enterprise" },
        { PortalFixture.Email("owner", PortalFixture.College), "college" },
        { PortalFixture.Email("owner", PortalFixture.University), "college" },
    };

    [Theory]
    [MemberData(nameof(SeededPeople))]
    public Task SeededPerson_SignsIn_SeesTheHomePageOfTheirRole(string email, string role) => InBrowserAsync(async () =>
    {
        var page = await SignInAsync(email);

        Assert.Equal(role, await page.GetAttributeAsync("[data-testid=home]", "data-role"));
        Assert.Contains(email, await page.InnerTextAsync("[data-testid=who]"));
        Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));
    });

    [Fact]
    public Task Admin_HomePage_IsChineseByDefault_AndEnglishOnceSwitched() => InBrowserAsync(async () =>
    {
        var page = await SignInAsync(PortalFixture.AdminEmail);
        Assert.Equal("市级审核工作台", await page.InnerTextAsync("h1"));

        await page.ClickAsync("a[lang=en]");

        Assert.Equal("City review desk", await page.InnerTextAsync("h1"));
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
        await page.ClickAsync("a[lang=zh-CN]");
        Assert.Equal("市级审核工作台", await page.InnerTextAsync("h1"));
    });

    [Fact]
    public Task SignOut_LeavesNoUsableSession() => InBrowserAsync(async () =>
    {
        var page = await SignInAsync(PortalFixture.Email("owner", PortalFixture.FlowEnterprise));
        var cookies = await page.Context.CookiesAsync();
        Assert.Contains(cookies, c => c.Name == "collaboration.portal");

        await page.ClickAsync("[data-testid=sign-out]");
        await page.WaitForURLAsync(url => url.StartsWith(Portal.IdentityUrl + "/account/signin", StringComparison.Ordinal));

        // The same browser is asked for the password again (the identity service's session ended too) ...
        await page.GotoAsync(Portal.PortalUrl + "/alliances");
        Assert.StartsWith(Portal.IdentityUrl + "/account/signin", page.Url);
        // ... and a copy of the session cookie taken before signing out opens nothing.
        var replay = await NewPageAsync();
        await replay.Context.AddCookiesAsync(cookies.Where(c => c.Name == "collaboration.portal").Select(c => new Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path,
        }));
        await replay.GotoAsync(Portal.PortalUrl + "/");
        Assert.StartsWith(Portal.IdentityUrl + "/account/signin", replay.Url);
    });
}
