using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Collaboration.Portal.Tests;

/// <summary>Axe on the main pages, as each role sees them: no serious or critical violation.</summary>
public sealed class AccessibilityTests(PortalFixture portal) : BrowserTest(portal)
{
    [Fact]
    public Task MainPages_HaveNoSeriousOrCriticalAxeViolations() => InBrowserAsync(async () =>
    {
        var enterprise = await SignInAsync(PortalFixture.Email("owner", PortalFixture.AxeEnterprise));
        var name = await AllianceTests.CreateAllianceAsync(enterprise, $"无障碍联盟{Guid.NewGuid().ToString("N")[..8]}");
        var problems = new List<string>();
        foreach (var path in new[] { "/", "/alliances", "/alliances/new", "/" + name, $"/{name}/edit", $"/{name}/members/new" })
        {
            await enterprise.GotoAsync(path);
            problems.AddRange(await SeriousAsync(enterprise, path));
        }
        await enterprise.GotoAsync("/alliances/new");
        await enterprise.ClickAsync("[data-testid=save]"); // the form with the service's field violations shown
        problems.AddRange(await SeriousAsync(enterprise, "/alliances/new (violations)"));

        var admin = await SignInAsync(PortalFixture.AdminEmail);
        problems.AddRange(await SeriousAsync(admin, "/ (admin)"));
        await admin.GotoAsync($"/alliances/{Guid.NewGuid()}");
        problems.AddRange(await SeriousAsync(admin, "not found"));
        await admin.ClickAsync("a[lang=en]");
        problems.AddRange(await SeriousAsync(admin, "not found (English)"));

        Assert.Empty(problems);
    });

    private static async Task<IEnumerable<string>> SeriousAsync(IPage page, string where)
    {
        var result = await page.RunAxe();
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{where}: {v.Id} ({v.Impact}) {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}");
    }
}
