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
