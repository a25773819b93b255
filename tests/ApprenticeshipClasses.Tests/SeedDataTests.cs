using System.Text.Json;

namespace Collaboration.Apprenticeships.Tests;

/// <summary>
/// The cohorts' seeds name every organisation as <c>${org:CODE}</c> of organizations.json (what the AppHost registers in the
/// directory), each with the kind its part needs, so the walk through the service never meets an unregistered code.
/// </summary>
public sealed class SeedDataTests
{
    private static JsonElement Load(string file)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "seeds", "data", file)))
        {
            directory = directory.Parent;
        }
        Assert.NotNull(directory);
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "seeds", "data", file))).RootElement;
    }

    /// <summary>Every call of the walk, the calls inside "each" included.</summary>
    private static IEnumerable<JsonElement> Calls(JsonElement steps) =>
        steps.EnumerateArray().SelectMany(s => s.TryGetProperty("steps", out var inner) ? Calls(inner) : [s])
            .Where(s => s.TryGetProperty("call", out _));

    /// <summary>"${org:CODE}" → CODE; anything else (an organisation typed inline) fails.</summary>
    private static string Code(JsonElement organization)
    {
        Assert.Equal(JsonValueKind.String, organization.ValueKind);
        var text = organization.GetString()!;
        Assert.StartsWith("${org:", text, StringComparison.Ordinal);
        return text["${org:".Length..^1];
    }

    [Fact]
    public void Cohorts_NameOnlyRegisteredOrganisations_OfTheKindTheirPartNeeds()
    {
        var kinds = Load("organizations.json").GetProperty("organizations").EnumerateArray()
            .ToDictionary(o => o.GetProperty("creditCode").GetString()!, o => o.GetProperty("kind").GetString()!);
        var named = new List<(string Part, string Code)>();
        foreach (var call in Load("cohorts.json").GetProperty("records").EnumerateArray().SelectMany(r => Calls(r.GetProperty("steps"))))
        {
            if (!call.TryGetProperty("body", out var body))
            {
                continue;
            }
            switch (call.GetProperty("call").GetString())
            {
                case "CreateCohort":
                    var cohort = body.GetProperty("cohort");
                    named.Add(("college", Code(cohort.GetProperty("college"))));
                    named.AddRange(cohort.GetProperty("sponsors").EnumerateArray().Select(s => ("sponsor", Code(s.GetProperty("organization")))));
                    break;
                case "AddSponsor":
                    named.Add(("sponsor", Code(body.GetProperty("organization"))));
                    break;
                case "OfferPlacement" or "RecordEmployment" when body.TryGetProperty("employer", out var employer):
                    named.Add(("employer", Code(employer)));
                    break;
            }
        }

        Assert.Contains(named, n => n.Part == "employer");
        Assert.All(named, n =>
        {
            Assert.True(kinds.ContainsKey(n.Code), $"{n.Part} {n.Code} is not in organizations.json");
            switch (n.Part)
            {
                case "college": Assert.Contains(kinds[n.Code], new[] { "vocational_college", "university" }); break;
                case "sponsor": Assert.Equal("enterprise", kinds[n.Code]); break;
            }
        });
        // The walk's out-of-city employers are registered too: one counts out of the city, one through its branch.
        Assert.Contains(named, n => n.Part == "employer" && !n.Code[2..6].Equals("4313", StringComparison.Ordinal));
    }
}
