using System.Text.Json;
using System.Text.RegularExpressions;
using Collaboration.Shared.Validation;

namespace Collaboration.Shared.Tests;

/// <summary>Every industry chain the repository's data, README and benchmarks use is on the shipped list.</summary>
public sealed partial class IndustryChainsDataTests
{
    [Fact]
    public void EveryChainInUse_IsOnTheList()
    {
        var root = RepositoryRoot();
        var used = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(root, "seeds", "data"), "*.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            Collect(document.RootElement, used);
        }
        var texts = new[] { Path.Combine(root, "README.md"), Path.Combine(root, "bench", "run") }
            .Concat(Directory.GetFiles(Path.Combine(root, "bench"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)));
        foreach (var text in texts.Select(File.ReadAllText))
        {
            used.UnionWith(ChainUse().Matches(text).Select(m => m.Groups["code"].Value));
            if (BenchChains().Match(text) is { Success: true } array)
            {
                used.UnionWith(Regex.Matches(array.Groups["list"].Value, "\"([a-z-]+)\"").Select(m => m.Groups[1].Value));
            }
        }
        Assert.Contains("steel-new-materials", used); // the scan found something
        Assert.Contains("high-end-equipment", used);
        var chains = IndustryChains.Embedded();
        var unknown = used.Where(code => chains.Find(code) is null).ToList();
        Assert.True(unknown.Count == 0, $"not on industry-chains.json: {string.Join(", ", unknown)}");
    }

    private static void Collect(JsonElement element, ISet<string> used)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "industryChain" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        used.Add(property.Value.GetString()!);
                    }
                    else if (property.Name == "industryChains")
                    {
                        used.UnionWith(property.Value.EnumerateArray().Select(c => c.GetProperty("id").GetString()!));
                    }
                    else
                    {
                        Collect(property.Value, used);
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, used);
                }
                break;
        }
    }

    [GeneratedRegex("""(?:industryChain"\s*:\s*"|IndustryChain\s*=\s*"|--chain\s+|industry_chain=)(?<code>[a-z][a-z-]*)""")]
    private static partial Regex ChainUse();

    [GeneratedRegex("""Chains\s*=\s*\[(?<list>[^\]]*)\]""")]
    private static partial Regex BenchChains();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Collaboration.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("The repository root (Collaboration.sln) was not found.");
    }
}
