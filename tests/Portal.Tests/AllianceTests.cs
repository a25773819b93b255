using Microsoft.Playwright;

namespace Collaboration.Portal.Tests;

public sealed class AllianceTests(PortalFixture portal) : BrowserTest(portal)
{
    /// <summary>Registers a new draft alliance through the create page; returns its resource name (alliances/…).</summary>
    internal static async Task<string> CreateAllianceAsync(IPage page, string displayName)
    {
        await page.GotoAsync("/alliances/new");
        await page.FillAsync("[data-testid=display-name]", displayName);
        await page.FillAsync("[data-testid=industry-chain]", "new-materials");
        await page.ClickAsync("[data-testid=save]");
        await page.WaitForURLAsync("**/alliances/*?done=created");
        return new Uri(page.Url).AbsolutePath.TrimStart('/');
    }

    private static string NewName(string what) => $"{what}联盟{Guid.NewGuid().ToString("N")[..8]}";

    [Fact]
    public Task Enterprise_RegistersAndSubmits_AdminApprovesFromTheQueue_EnterpriseSeesItApproved() => InBrowserAsync(async () =>
    {
        var enterprise = await SignInAsync(PortalFixture.Email("owner", PortalFixture.FlowEnterprise));
        var displayName = NewName("门户流程");
        var name = await CreateAllianceAsync(enterprise, displayName);
        Assert.Equal("Draft", await enterprise.GetAttributeAsync("[data-testid=state]", "data-state"));

        await enterprise.ClickAsync("[data-testid=add-member]");
        await enterprise.FillAsync("[data-testid=member-code]", PortalFixture.University);
        await enterprise.ClickAsync("[data-testid=save]");
        await enterprise.WaitForURLAsync("**?done=member");
        Assert.Equal("Invited", await enterprise.GetAttributeAsync($"[data-testid=members] tr[data-code='{PortalFixture.University}']", "data-state"));
        Assert.Equal(0, await enterprise.Locator("[data-testid=accept]").CountAsync());

        // The university finds the invitation on its home page and accepts it: only then does it count for approval.
        var university = await SignInAsync(PortalFixture.Email("owner", PortalFixture.University));
        await university.Locator($"[data-testid=invitations] tr[data-name='{name}'] a").ClickAsync();
        await university.ClickAsync("[data-testid=accept]");
        await university.WaitForURLAsync("**?done=accepted");
        Assert.Equal("Active", await university.GetAttributeAsync($"[data-testid=members] tr[data-code='{PortalFixture.University}']", "data-state"));
        Assert.Equal(0, await university.Locator("[data-testid=audit]").CountAsync()); // the lead's and the city's, not a member's
        await university.GotoAsync("/");
        Assert.Equal(0, await university.Locator($"[data-testid=invitations] tr[data-name='{name}']").CountAsync());

        await enterprise.GotoAsync("/" + name);
        await enterprise.ClickAsync("[data-testid=submit]");
        await enterprise.WaitForURLAsync("**?done=submitted");
        Assert.Equal("Submitted", await enterprise.GetAttributeAsync("[data-testid=state]", "data-state"));

        var admin = await SignInAsync(PortalFixture.AdminEmail);
        var queued = admin.Locator($"[data-testid=review-queue] tr[data-name='{name}'] a");
        Assert.Equal(displayName, await queued.InnerTextAsync());
        await queued.ClickAsync();
        await admin.ClickAsync("[data-testid=approve]");
        await admin.WaitForURLAsync("**?done=approved");

        await enterprise.GotoAsync("/" + name);
        Assert.Equal("Approved", await enterprise.GetAttributeAsync("[data-testid=state]", "data-state"));
        Assert.Contains("ApproveAlliance", await enterprise.InnerTextAsync("[data-testid=audit]"));
        await enterprise.GotoAsync("/");
        Assert.Equal(0, await enterprise.Locator($"[data-testid=waiting] tr[data-name='{name}']").CountAsync());
    });

    [Fact]
    public Task Admin_ReturnsWithAReason_EnterpriseSeesTheReasonOnItsHomePage() => InBrowserAsync(async () =>
    {
        var enterprise = await SignInAsync(PortalFixture.Email("editor", PortalFixture.FlowEnterprise));
        var name = await CreateAllianceAsync(enterprise, NewName("退回"));
        await enterprise.ClickAsync("[data-testid=submit]");
        await enterprise.WaitForURLAsync("**?done=submitted");

        var admin = await SignInAsync(PortalFixture.AdminEmail);
        await admin.GotoAsync("/" + name);
        await admin.ClickAsync("[data-testid=return]");
        // The service requires a reason: its field violation is shown next to the reason's input.
        Assert.NotEmpty(await admin.InnerTextAsync(".field-error[data-field=reason]"));
        await admin.FillAsync("[data-testid=return-reason]", "章程摘要缺少成员分工");
        await admin.ClickAsync("[data-testid=return]");
        await admin.WaitForURLAsync("**?done=returned");

        await enterprise.GotoAsync("/");
        Assert.Contains("章程摘要缺少成员分工", await enterprise.InnerTextAsync($"[data-testid=waiting] tr[data-name='{name}']"));
    });

    [Fact]
    public Task Create_WithoutAName_ShowsTheViolationNextToTheField_AndKeepsTheInput() => InBrowserAsync(async () =>
    {
        var page = await SignInAsync(PortalFixture.Email("owner", PortalFixture.FlowEnterprise));
        await page.GotoAsync("/alliances/new");
        await page.FillAsync("[data-testid=industry-chain]", "steel-new-materials");
        await page.FillAsync("[data-testid=short-name]", "简称保留");
        await page.ClickAsync("[data-testid=save]");

        Assert.NotEmpty(await page.InnerTextAsync(".field-error[data-field='alliance.display_name']"));
        Assert.Equal("简称保留", await page.InputValueAsync("[data-testid=short-name]"));
        Assert.Equal("steel-new-materials", await page.InputValueAsync("[data-testid=industry-chain]"));
    });

    [Fact]
    public Task TwoPeopleEditTheSameAlliance_TheSecondIsToldItChanged_AndKeepsTheirInput() => InBrowserAsync(async () =>
    {
        var owner = await SignInAsync(PortalFixture.Email("owner", PortalFixture.ConflictEnterprise));
        var name = await CreateAllianceAsync(owner, NewName("并发"));
        var editor = await SignInAsync(PortalFixture.Email("editor", PortalFixture.ConflictEnterprise));
        await owner.GotoAsync($"/{name}/edit");
        await editor.GotoAsync($"/{name}/edit");

        await owner.FillAsync("[data-testid=short-name]", "第一人");
        await owner.ClickAsync("[data-testid=save]");
        await owner.WaitForURLAsync("**?done=updated");
        await editor.FillAsync("[data-testid=short-name]", "第二人");
        await editor.FillAsync("[data-testid=charter-summary]", "第二人写的章程摘要");
        await editor.ClickAsync("[data-testid=save]");

        Assert.True(await editor.Locator("[data-testid=conflict]").IsVisibleAsync());
        Assert.Equal("第二人", await editor.InputValueAsync("[data-testid=short-name]"));
        Assert.Equal("第二人写的章程摘要", await editor.InputValueAsync("[data-testid=charter-summary]"));
        await owner.GotoAsync("/" + name);
        Assert.Contains("第一人", await owner.InnerTextAsync("dl.portal-facts"));
    });

    [Fact]
    public Task Viewer_SeesNoWriteButtons_AndAForgedPostIsRefusedByTheService() => InBrowserAsync(async () =>
    {
        var owner = await SignInAsync(PortalFixture.Email("owner", PortalFixture.ViewerEnterprise));
        var name = await CreateAllianceAsync(owner, NewName("只读"));

        var viewer = await SignInAsync(PortalFixture.Email("viewer", PortalFixture.ViewerEnterprise));
        Assert.Equal(0, await viewer.Locator("[data-testid=create-alliance]").CountAsync());
        await viewer.GotoAsync("/" + name);
        Assert.Equal("Draft", await viewer.GetAttributeAsync("[data-testid=state]", "data-state"));
        foreach (var button in new[] { "edit", "submit", "add-member", "approve", "return" })
        {
            Assert.Equal(0, await viewer.Locator($"[data-testid={button}]").CountAsync());
        }

        // The edit form, opened by typing its address, and posted: the service refuses, and nothing changes.
        await viewer.GotoAsync($"/{name}/edit");
        await viewer.FillAsync("[data-testid=short-name]", "查看者改的");
        await viewer.ClickAsync("[data-testid=save]");
        Assert.Equal("Denied", await viewer.GetAttributeAsync("[data-testid=problem-page]", "data-kind"));
        await owner.GotoAsync("/" + name);
        Assert.DoesNotContain("查看者改的", await owner.InnerTextAsync("dl.portal-facts"));
    });

    [Fact]
    public Task UnknownAlliance_IsAPlainNotFoundPage_WithNoInternalDetail() => InBrowserAsync(async () =>
    {
        var page = await SignInAsync(PortalFixture.Email("owner", PortalFixture.FlowEnterprise));
        var response = await page.GotoAsync($"/alliances/{Guid.NewGuid()}");

        Assert.Equal(404, response!.Status);
        Assert.Equal("NotFound", await page.GetAttributeAsync("[data-testid=problem-page]", "data-kind"));
        var text = await page.InnerTextAsync("body");
        Assert.DoesNotContain("Status(", text);
        Assert.DoesNotContain("localhost", text);
    });

    [Fact]
    public Task List_FiltersByState_AndPagesWithTheServicesToken() => InBrowserAsync(async () =>
    {
        var page = await SignInAsync(PortalFixture.AdminEmail);
        await page.GotoAsync("/alliances?state=Approved");
        var states = await page.Locator("[data-testid=alliance-list] [data-testid=state]").EvaluateAllAsync<string[]>(
            "els => els.map(e => e.dataset.state)");
        Assert.NotEmpty(states);
        Assert.All(states, s => Assert.Equal("Approved", s));

        // Pages follow the service's token, which the next link carries with the filters that made it.
        await page.GotoAsync("/alliances?size=2");
        var first = await page.Locator("[data-testid=alliance-list] tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.name)");
        Assert.Equal(2, first.Length);
        Assert.Contains("size=2", await page.GetAttributeAsync("[data-testid=next-page]", "href"));
        await page.ClickAsync("[data-testid=next-page]");
        var second = await page.Locator("[data-testid=alliance-list] tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.name)");
        Assert.Equal(2, second.Length);
        Assert.Empty(first.Intersect(second));

        await page.GotoAsync("/alliances?member=123");
        Assert.NotEmpty(await page.InnerTextAsync(".field-error[data-field=member_credit_code]"));
    });
}
