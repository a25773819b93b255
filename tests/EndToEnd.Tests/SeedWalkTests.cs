using System.Text.Json.Nodes;
using Collaboration.Seeds;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// The seed walk against the running platform, whose AppHost already ran the loader once: walked again it is answered
/// from the stored responses and changes nothing; a call the service refuses stops it with the record and step named.
/// </summary>
public sealed class SeedWalkTests(PlatformFixture platform)
{
    private static readonly string DataDirectory = DevEnvironment.SeedDataDirectory(Seeds.CommandLine.Parse([], [], []));
    private static readonly string[] Collections = ["ListAlliances", "ListLabs", "ListIndustrialColleges", "ListCohorts", "ListDeclarations", "ListCatalogueEditions"];

    [Fact]
    public async Task WalkedAgain_EveryRecordEndsAsItWas_AndNothingIsAdded()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var gateway = new GatewayClient(platform.GatewayGrpc, NullLogger.Instance);
        var walk = Walk(gateway);
        var before = await AllAsync(walk, cancellationToken);

        var seeded = new HashSet<string?>();
        var displayNames = new HashSet<string?>();
        foreach (var file in LoadCommand.WalkFiles)
        {
            foreach (var record in SeedWalk.Read(Path.Combine(DataDirectory, file)))
            {
                var last = await walk.WalkAsync(record, cancellationToken);
                var name = (string)last!["name"]!;
                Assert.True(before.TryGetValue(name, out var was), $"{record.Key}: {name} was not there before the second walk");
                // Any write to the record or its children (members, partners, enrolments, reports …) would have moved these.
                Assert.Equal((string?)was["etag"], (string?)last["etag"]);
                Assert.Equal((string?)was["updateTime"], (string?)last["updateTime"]);
                seeded.Add(name);
                if ((string?)last["displayName"] is { } displayName)
                {
                    displayNames.Add(displayName);
                }
            }
        }
        // 30 alliances, labs, industrial colleges and cohorts; 9 talent declarations and 2 catalogue editions.
        Assert.Equal(41, seeded.Count);

        var after = await AllAsync(walk, cancellationToken);
        Assert.Equal(before.Values.Count(r => displayNames.Contains((string?)r["displayName"])),
            after.Values.Count(r => displayNames.Contains((string?)r["displayName"])));
    }

    [Fact]
    public async Task RefusedStep_StopsTheWalk_NamingRecordAndStep()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var gateway = new GatewayClient(platform.GatewayGrpc, NullLogger.Instance);
        var walk = Walk(gateway);
        var key = $"e2e/out-of-order-{Guid.NewGuid():N}";
        var lead = SeedData.Load(DataDirectory).OrganizationsFile.Organizations.First(o => o.Kind == Common.V1.OrganizationKind.Enterprise).CreditCode;
        var record = new SeedRecord(key, [
            Step($$$"""
                {"call": "CreateAlliance", "as": "{{{lead}}}", "save": "alliance", "body": {"alliance": {"displayName": "E2E 顺序 {{{key[^8..]}}}",
                 "shortName": "顺序", "industryChain": "energy", "leadOrganization": "${org:{{{lead}}}}", "charterSummary": "x", "foundedDate": "2024-01-01" } } }
                """),
            Step("""{"call": "ApproveAlliance", "as": "admin", "body": {"name": "${alliance.name}"}}"""),
            Step("""{"call": "GetAlliance", "as": "admin", "body": {"name": "${alliance.name}"}}"""),
        ]);

        var refused = await Assert.ThrowsAsync<SeedException>(() => walk.WalkAsync(record, cancellationToken));

        Assert.StartsWith($"{key} step 2 (ApproveAlliance): FailedPrecondition", refused.Message, StringComparison.Ordinal);

        var invalid = new SeedRecord(key + "-invalid", [
            Step($$$"""{"call": "CreateAlliance", "as": "{{{lead}}}", "body": {"alliance": {"shortName": "无名" } } }"""),
        ]);
        var refusedInvalid = await Assert.ThrowsAsync<SeedException>(() => walk.WalkAsync(invalid, cancellationToken));
        Assert.StartsWith($"{key}-invalid step 1 (CreateAlliance): InvalidArgument", refusedInvalid.Message, StringComparison.Ordinal);
        Assert.Contains("display_name", refusedInvalid.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The two seeded cohorts with placements keep the landing rates they had when in-city was the caller's flag, now
    /// out of the employers' directory entries (seeds/data/cohorts.json): 涟钢冶炼订单班 72 completed, 62 employed, 58 in
    /// the city (its 长沙 employer is not); 中湘液压数控订单班 74 completed, 71 employed and in the city (its 深圳 employer by
    /// the branch override).
    /// </summary>
    [Fact]
    public async Task SeededCohorts_LandingRates_ComeFromTheEmployersRegister()
    {
        var admin = platform.Client<Apprenticeships.V1.CohortService.CohortServiceClient>(await platform.AdminTokenAsync());
        async Task<(Apprenticeships.V1.Cohort Cohort, Apprenticeships.V1.Placement Away)> SeededAsync(string displayName, Apprenticeships.V1.Cohort.Types.State state, int awayIndex)
        {
            var cohort = (await admin.ListCohortsAsync(new Apprenticeships.V1.ListCohortsRequest { State = state, PageSize = 200 })).Cohorts
                .Single(c => c.DisplayName == displayName);
            var enrolments = (await admin.ListEnrolmentsAsync(new Apprenticeships.V1.ListEnrolmentsRequest { Parent = cohort.Name, PageSize = 200 })).Enrolments
                .OrderBy(e => e.StudentNumber, StringComparer.Ordinal).ToList();
            return (cohort, await admin.GetPlacementAsync(new Apprenticeships.V1.GetPlacementRequest { Name = enrolments[awayIndex].Name + "/placement" }));
        }

        var (steel, changsha) = await SeededAsync("涟钢冶炼订单班（2022级）", Apprenticeships.V1.Cohort.Types.State.Graduated, 58);
        var steelOutcomes = await admin.GetCohortOutcomesAsync(new Apprenticeships.V1.GetCohortOutcomesRequest { Name = steel.Name });
        Assert.Equal((72, 62, 58, 50, 0.8056), (steelOutcomes.Completed, steelOutcomes.Employed, steelOutcomes.EmployedInCity,
            steelOutcomes.EmployedBySponsor, steelOutcomes.LandingRate));
        Assert.Equal(("91430100MA4L0RTX1Q", "长沙某钢材加工有限公司（虚构）", false, Apprenticeships.V1.InCityBasis.Register),
            (changsha.Employer.CreditCode, changsha.Employer.Name, changsha.InCity, changsha.InCityBasis));

        var (cnc, shenzhen) = await SeededAsync("中湘液压数控订单班（2023级）", Apprenticeships.V1.Cohort.Types.State.Closed, 65);
        var cncOutcomes = await admin.GetCohortOutcomesAsync(new Apprenticeships.V1.GetCohortOutcomesRequest { Name = cnc.Name });
        Assert.Equal((74, 71, 71, 55, 0.9595), (cncOutcomes.Completed, cncOutcomes.Employed, cncOutcomes.EmployedInCity,
            cncOutcomes.EmployedBySponsor, cncOutcomes.LandingRate));
        Assert.Equal(("91440300MA5FXKQ42K", "深圳某精密机械有限公司（虚构）", true, Apprenticeships.V1.InCityBasis.Override),
            (shenzhen.Employer.CreditCode, shenzhen.Employer.Name, shenzhen.InCity, shenzhen.InCityBasis));
    }

    private SeedWalk Walk(GatewayClient gateway)
    {
        var tokens = TokenSource.FromIdentity(platform.IdentityUrl, adminClientSecret: platform.AdminClientSecret,
            organizationClientSecret: platform.OrganizationClientSecret);
        var owners = new Dictionary<string, Actor>();
        return new SeedWalk(gateway, SeedData.Load(DataDirectory), Actor.Admin(tokens),
            o => owners.TryGetValue(o.CreditCode, out var a) ? a : owners[o.CreditCode] = Actor.OwnerOf(tokens, o));
    }

    private static JsonObject Step(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>Every alliance, lab, industrial college and cohort an admin sees, by name (a walk of List calls, every page).</summary>
    private static async Task<Dictionary<string, JsonObject>> AllAsync(SeedWalk walk, CancellationToken cancellationToken)
    {
        var all = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var list in Collections)
        {
            var answer = await walk.WalkAsync(new SeedRecord($"e2e/{list}", [Step($$"""{"call": "{{list}}", "as": "admin", "body": {"pageSize": 200} }""")]),
                cancellationToken);
            foreach (var item in answer!.Select(p => p.Value).OfType<JsonArray>().SelectMany(a => a).OfType<JsonObject>())
            {
                all[(string)item["name"]!] = item;
            }
        }
        return all;
    }
}
