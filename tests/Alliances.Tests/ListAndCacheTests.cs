using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Collaboration.Alliances.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.Alliances.Tests;

public sealed class ListAndCacheTests(AlliancesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    [Fact]
    public async Task ListAlliances_PagingWhileRowsAreInserted_NoDuplicatesNoGaps()
    {
        var chain = TestChains.New();
        var existing = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            existing.Add((await _as.CreateAsync(chain: chain)).Name);
        }

        using var stop = new CancellationTokenSource();
        var inserted = new ConcurrentBag<string>();
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                inserted.Add((await _as.CreateAsync(chain: chain)).Name);
            }
        }, TestContext.Current.CancellationToken);

        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await _as.Lead.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = chain, PageSize = 4, PageToken = token });
            seen.AddRange(page.Alliances.Select(a => a.Name));
            token = page.NextPageToken;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        while (token.Length > 0 && seen.Count < 500);
        await stop.CancelAsync();
        await writer;

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(existing, name => Assert.Contains(name, seen));
        Assert.NotEmpty(inserted);
    }

    [Fact]
    public async Task ListAlliances_Filters_StateChainMemberYear()
    {
        var chain = TestChains.New();
        var draft = await _as.CreateAsync(chain: chain);
        var approved = await _as.ApprovedAsync();
        await _as.Lead.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = approved.Name },
            UpdateMask = new FieldMask { Paths = { "industry_chain" } },
        }).ResponseAsync.ContinueWith(_ => { }, TestContext.Current.CancellationToken); // approved alliances are not editable; chain stays

        var byState = await _as.Lead.ListAlliancesAsync(new ListAlliancesRequest { State = Alliance.Types.State.Approved, MemberCreditCode = _as.University });
        Assert.Contains(byState.Alliances, a => a.Name == approved.Name);
        Assert.DoesNotContain(byState.Alliances, a => a.Name == draft.Name);

        var byChain = await _as.Lead.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = chain });
        Assert.Equal([draft.Name], byChain.Alliances.Select(a => a.Name));

        var byYear = await _as.Lead.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = chain, FoundedYear = 2023 });
        Assert.Single(byYear.Alliances);
        var otherYear = await _as.Lead.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = chain, FoundedYear = 2022 });
        Assert.Empty(otherYear.Alliances);
    }

    [Fact]
    public async Task GetAlliance_AfterUpdate_SeesTheChange_OnThisAndAnotherReplica()
    {
        await using var replica = await fixture.StartReplicaAsync("alliances", fixture.Cache.ConnectionString);
        var onReplica = replica.Client<AllianceService.AllianceServiceClient>(Tokens.For(_as.Enterprise, "enterprise"));
        var alliance = await _as.CreateAsync();
        // Both replicas now hold the alliance in their caches.
        await _as.Lead.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name });
        Assert.Equal("TA", (await onReplica.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).ShortName);

        await _as.Lead.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = alliance.Name, ShortName = "Renamed" },
            UpdateMask = new FieldMask { Paths = { "short_name" } },
        });

        Assert.Equal("Renamed", (await _as.Lead.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).ShortName);
        // The other replica hears of it through the invalidation channel (asynchronous, so allow it a moment).
        var deadline = DateTime.UtcNow.AddSeconds(5);
        string shortName;
        do
        {
            shortName = (await onReplica.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).ShortName;
        }
        while (shortName != "Renamed" && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal("Renamed", shortName);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50);
        return true;
    }

    [Fact]
    public async Task Json_GetListAndSubmit_ThroughTranscoding()
    {
        var alliance = await _as.CreateAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/{alliance.Name}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.For(_as.Enterprise, "enterprise"));
        using var response = await fixture.Service.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(alliance.DisplayName, json.RootElement.GetProperty("displayName").GetString());
        Assert.Equal("DRAFT", json.RootElement.GetProperty("state").GetString());

        using var submit = new HttpRequestMessage(HttpMethod.Post, $"/v1/{alliance.Name}:submit")
        {
            Content = new StringContent($$"""{"etag":"{{alliance.Etag}}"}""", Encoding.UTF8, "application/json"),
        };
        submit.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.For(_as.Enterprise, "enterprise"));
        using var submitted = await fixture.Service.Http.SendAsync(submit, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        Assert.Contains("\"SUBMITTED\"", await submitted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        using var anonymous = await fixture.Service.Http.GetAsync($"/v1/{alliance.Name}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Json_BadInput_400WithFieldViolations()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/alliances")
        {
            Content = new StringContent("""{"displayName":"","industryChain":"steel-new-materials","leadOrganization":{"creditCode":"91350100M000100Y44","name":"X"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.For(_as.Enterprise, "enterprise"));
        using var response = await fixture.Service.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("alliance.display_name", body, StringComparison.Ordinal);
        Assert.Contains("alliance.lead_organization.credit_code", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheTranscodedRoutes()
    {
        var document = await fixture.Service.Http.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.Contains("/v1/alliances", document, StringComparison.Ordinal);
        Assert.Contains(":submit", document, StringComparison.Ordinal);
    }
}

/// <summary>With the cache server stopped, every method still works from PostgreSQL.</summary>
public sealed class CacheOutageTests(AlliancesFixture fixture) : IAsyncLifetime
{
    private CacheServer _cache = null!;
    private ServiceHost _service = null!;

    public async ValueTask InitializeAsync()
    {
        _cache = new CacheServer();
        _service = await fixture.StartReplicaAsync("alliances", _cache.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _service.DisposeAsync();
        _cache.Dispose();
    }

    [Fact]
    public async Task EveryMethod_WorksWithCacheServerStopped_AndCacheResumesAfterwards()
    {
        var actors = new Actors(_service, fixture.Directory);
        var warm = await actors.CreateAsync();
        await actors.Lead.GetAllianceAsync(new GetAllianceRequest { Name = warm.Name });

        _cache.Stop();

        var alliance = await actors.CreateAsync();
        await actors.AddUniversityAsync(alliance);
        var institute = await fixture.Directory.NewAsync("research_institute");
        var declined = await actors.InviteAsync(alliance, institute);
        await actors.As(institute, "research_institute").DeclineMemberAsync(new DeclineMemberRequest { Name = declined.Name, Reason = "Busy." });
        var withdrawn = await actors.InviteAsync(alliance, institute);
        await actors.Lead.RemoveMemberAsync(new RemoveMemberRequest { Name = withdrawn.Name });
        var updated = await actors.Lead.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = alliance.Name, ShortName = "NoCache" },
            UpdateMask = new FieldMask { Paths = { "short_name" } },
        });
        Assert.Equal("NoCache", (await actors.Lead.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).ShortName);
        await actors.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name, Etag = updated.Etag });
        await actors.Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name });
        await actors.Admin.RecordEvaluationAsync(new RecordEvaluationRequest { Parent = alliance.Name, Year = 2024, Score = 70 });
        Assert.NotEmpty((await actors.Lead.ListAlliancesAsync(new ListAlliancesRequest())).Alliances);
        Assert.NotEmpty((await actors.Lead.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = alliance.Name })).AuditEntries);
        // The alliance that was cached before the outage is read fresh, not from a stale local copy.
        await actors.Lead.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = warm.Name, ShortName = "Fresh" },
            UpdateMask = new FieldMask { Paths = { "short_name" } },
        });
        Assert.Equal("Fresh", (await actors.Lead.GetAllianceAsync(new GetAllianceRequest { Name = warm.Name })).ShortName);
    }
}
