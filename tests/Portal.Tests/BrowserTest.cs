using Microsoft.Playwright;

namespace Collaboration.Portal.Tests;

/// <summary>
/// Runs a browser test and, when it fails, keeps a screenshot of every page it opened (<see cref="PortalFixture.ScreenshotDirectory"/>,
/// also attached to the test result), then closes its browser contexts.
/// </summary>
public abstract class BrowserTest(PortalFixture portal)
{
    protected PortalFixture Portal { get; } = portal;
    private readonly List<IPage> _pages = [];

    protected async Task<IPage> SignInAsync(string email)
    {
        var page = await Portal.NewPageAsync();
        _pages.Add(page);
        return await Portal.SignInAsync(email, page);
    }

    protected async Task<IPage> NewPageAsync()
    {
        var page = await Portal.NewPageAsync();
        _pages.Add(page);
        return page;
    }

    protected async Task InBrowserAsync(Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            await ScreenshotsAsync();
            throw;
        }
        finally
        {
            foreach (var page in _pages)
            {
                await page.Context.CloseAsync();
            }
            _pages.Clear();
        }
    }

    private async Task ScreenshotsAsync()
    {
        Directory.CreateDirectory(PortalFixture.ScreenshotDirectory);
        var test = TestContext.Current.Test?.TestDisplayName ?? "test";
        var safe = string.Concat(test.Select(c => char.IsLetterOrDigit(c) ? c : '_'));
        for (var i = 0; i < _pages.Count; i++)
        {
            try
            {
                var path = Path.Combine(PortalFixture.ScreenshotDirectory, $"{safe[..Math.Min(safe.Length, 120)]}-{i}.png");
                var png = await _pages[i].ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
                TestContext.Current.AddAttachment(Path.GetFileName(path), png, "image/png");
                TestContext.Current.SendDiagnosticMessage($"screenshot of the failed test: {path} ({_pages[i].Url})");
            }
            catch (PlaywrightException)
            {
                // A page that is gone has nothing to show.
            }
        }
    }
}
