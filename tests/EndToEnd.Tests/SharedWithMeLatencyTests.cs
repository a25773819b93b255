using System.Diagnostics;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Grpc.Core;

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// What "shared with me" costs, answered per call from the identity service: the same partner lists drafts through
/// the gateway 200 times with and without the filter, interleaved, and the added median is what the README quotes.
/// The bound is loose on purpose (a shared 2-core machine); it catches a lookup gone pathological, not a few ms.
/// </summary>
public sealed class SharedWithMeLatencyTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const int Calls = 200;
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    [Fact]
    public async Task SharedWithMe_PerCallLookup_AddsAFewMillisecondsAndAlwaysAnswersFromTheLiveGrant()
    {
        var lead = platform.Client<AllianceService.AllianceServiceClient>(await platform.OwnerTokenAsync("alliance-lead"));
        var partner = platform.Client<AllianceService.AllianceServiceClient>(await platform.OwnerTokenAsync("college-partner"));
        var draft = await lead.CreateAllianceAsync(new CreateAllianceRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Alliance = new Alliance
            {
                DisplayName = $"Latency test alliance {Guid.NewGuid():N}", IndustryChain = "new-materials",
                LeadOrganization = new Organization { Name = "E2E Lead Co." },
            },
        }, Deadline);
        var grant = await platform.GrantAsync("alliance-lead", draft.Name, "college-partner", "viewer");

        var plain = new ListAlliancesRequest { State = Alliance.Types.State.Draft, PageSize = 50 };
        var shared = new ListAlliancesRequest { State = Alliance.Types.State.Draft, PageSize = 50, SharedWithMe = true };
        for (var i = 0; i < 20; i++)
        {
            await partner.ListAlliancesAsync(plain, Deadline);
            await partner.ListAlliancesAsync(shared, Deadline);
        }
        var without = new List<double>(Calls);
        var with = new List<double>(Calls);
        for (var i = 0; i < Calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var plainPage = await partner.ListAlliancesAsync(plain, Deadline);
            without.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            started = Stopwatch.GetTimestamp();
            var sharedPage = await partner.ListAlliancesAsync(shared, Deadline);
            with.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Assert.DoesNotContain(plainPage.Alliances, a => a.Name == draft.Name);
            Assert.Equal([draft.Name], sharedPage.Alliances.Select(a => a.Name));
        }
        await platform.RevokeAsync("alliance-lead", grant);
        Assert.Empty((await partner.ListAlliancesAsync(shared, Deadline)).Alliances);

        var (p50Without, p95Without) = (Percentile(without, 0.50), Percentile(without, 0.95));
        var (p50With, p95With) = (Percentile(with, 0.50), Percentile(with, 0.95));
        output.WriteLine($"ListAlliances through the gateway, {Calls} calls each, interleaved: "
            + $"without shared_with_me p50 {p50Without:F2} ms p95 {p95Without:F2} ms; "
            + $"with shared_with_me p50 {p50With:F2} ms p95 {p95With:F2} ms; added p50 {p50With - p50Without:F2} ms");
        Assert.True(p50With - p50Without < 50, $"the grant lookup adds {p50With - p50Without:F2} ms at the median");
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Ceiling(p * sorted.Count) - 1];
    }
}
