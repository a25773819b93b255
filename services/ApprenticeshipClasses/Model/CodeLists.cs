using System.Text.Json;

namespace Collaboration.Apprenticeships.Model;

/// <summary>One versioned code list (occupations or majors), loaded from the JSON the seeds ship.</summary>
public sealed record CodeList(string Name, string Version, IReadOnlyDictionary<string, string> Titles)
{
    public bool Contains(string code) => Titles.ContainsKey(code);
}

/// <summary>
/// The versioned code lists a cohort's occupation and major codes are checked against. Each list is
/// data (an embedded JSON file per version); a request names a version or gets the latest.
/// </summary>
public sealed class CodeLists
{
    public IReadOnlyDictionary<string, CodeList> Occupations { get; }
    public IReadOnlyDictionary<string, CodeList> Majors { get; }

    public CodeLists(IEnumerable<CodeList> lists)
    {
        var all = lists.ToList();
        Occupations = all.Where(l => l.Name == "occupation").ToDictionary(l => l.Version);
        Majors = all.Where(l => l.Name == "major").ToDictionary(l => l.Version);
    }

    public string LatestOccupationVersion => Occupations.Keys.Max(StringComparer.Ordinal) ?? "";
    public string LatestMajorVersion => Majors.Keys.Max(StringComparer.Ordinal) ?? "";

    public static CodeLists FromEmbeddedResources()
    {
        var assembly = typeof(CodeLists).Assembly;
        var lists = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("CodeLists.", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                return Parse(stream);
            });
        return new CodeLists(lists);
    }

    public static CodeList Parse(Stream json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var titles = root.GetProperty("codes").EnumerateArray()
            .ToDictionary(c => c.GetProperty("code").GetString()!, c => c.GetProperty("title").GetString()!);
        return new CodeList(root.GetProperty("codeList").GetString()!, root.GetProperty("version").GetString()!, titles);
    }
}
