using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Collaboration.TestSupport;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Collaboration.Portal.Tests.PortalFixture))]
// One Chromium, one platform: the browser tests take turns rather than fight over two cores.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace Collaboration.Portal.Tests;

/// <summary>
/// The whole platform as the README's first command starts it (as tests/EndToEnd.Tests' PlatformFixture does: its own
/// data folder and ports, the seeds loaded, the demo passwords set by the fixture), and Debian's Chromium driven by
/// Playwright against the portal. The browser tests sign in as the seeded demo people.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@city.demo";
    // Seeded organisations (seeds/data/organizations.json); each test that writes uses its own enterprise.
    public const string FlowEnterprise = "91431300MA4QE8N10L";
    public const string ConflictEnterprise = "91431302MA4R6DW35X";
    public const string ViewerEnterprise = "91431322MA4T1FH80E";
    public const string AxeEnterprise = "91431300MA4LY7UC7C";
    public const string University = "12431302448731207H";
    public const string College = "12431300448765423R";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "collab-portal-" + Guid.NewGuid().ToString("N")[..12]);
    private DistributedApplication? _app;
    private IPlaywright? _playwright;

    public string AdminPassword { get; } = Secret();
    public string DemoPassword { get; } = Secret();
    public string PortalUrl { get; private set; } = "";
    public string IdentityUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where a failed browser test leaves its screenshots.</summary>
    public static string ScreenshotDirectory =>
        Environment.GetEnvironmentVariable("PORTAL_SCREENSHOTS") ?? Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public static string Email(string role, string code) => $"{role}@{code.ToLowerInvariant()}.demo";

    private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        string[] args =
        [
            $"--DataDirectory={_dataDirectory}",
            $"--Gateway:GrpcPort={PostgresServer.FreePort()}",
            $"--Gateway:HttpPort={PostgresServer.FreePort()}",
            $"--Identity:Port={PostgresServer.FreePort()}",
            $"--Portal:Port={PostgresServer.FreePort()}",
            $"--Seeds:ClientSecret={Secret()}",
            $"--Seeds:OrgClientSecret={Secret()}",
            $"--Portal:ClientSecret={Secret()}",
            $"--Identity:AdminPassword={AdminPassword}",
            $"--Identity:DemoPassword={DemoPassword}",
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("portal", timeout.Token);
        var seeds = await _app.ResourceNotifications.WaitForResourceAsync("seeds",
            e => e.Snapshot.State?.Text == KnownResourceStates.Finished, timeout.Token);
        Assert.True(seeds.Snapshot.ExitCode == 0, $"the seeds loader exited with {seeds.Snapshot.ExitCode}");
        PortalUrl = _app.GetEndpoint("portal", "http").ToString().TrimEnd('/');
        IdentityUrl = _app.GetEndpoint("identity", "http").ToString().TrimEnd('/');

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Playwright's own browser download is not reachable: Debian's Chromium, by path.
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--disable-background-networking", "--disable-component-update", "--disable-quic", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A fresh browser context (its own cookies): one person.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = PortalUrl, Locale = "zh-CN" });
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        return await context.NewPageAsync();
    }

    /// <summary>Opens the portal, is sent to the identity service's sign-in page, signs in, and lands on the home page.</summary>
    public async Task<IPage> SignInAsync(string email, IPage? page = null)
    {
        page ??= await NewPageAsync();
        await page.GotoAsync(PortalUrl + "/");
        await SignInHereAsync(page, email);
        return page;
    }

    public async Task SignInHereAsync(IPage page, string email)
    {
        Assert.StartsWith(IdentityUrl + "/account/signin", page.Url);
        await page.FillAsync("input[name=email]", email);
        await page.FillAsync("input[name=password]", email == AdminEmail ? AdminPassword : DemoPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => url.StartsWith(PortalUrl, StringComparison.Ordinal) && !url.Contains("signin-oidc"));
        await page.Locator("main").WaitForAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
