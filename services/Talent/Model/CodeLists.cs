using System.Text.Json;

namespace Collaboration.Talent.Model;

/// <summary>One version of a code list (occupations or majors).</summary>
public sealed record CodeList(string Name, string Version, IReadOnlyDictionary<string, string> Titles)
{
    public bool Contains(string code) => Titles.ContainsKey(code);
}

/// <summary>
/// The versioned code lists a declaration's occupation and related major codes are checked against, read from the
/// JSON files the seeds ship (embedded): occupation-codes.json (one version) and major-catalogue.json
/// (a base edition, then per edition the codes added and withdrawn). A request names a version or
/// gets the latest.
/// </summary>
public sealed class CodeLists(IEnumerable<CodeList> lists)
{
    private readonly List<CodeList> _all = lists.ToList();

    public IReadOnlyDictionary<string, CodeList> Occupations => _all.Where(l => l.Name == "occupation").ToDictionary(l => l.Version);
    public IReadOnlyDictionary<string, CodeList> Majors => _all.Where(l => l.Name == "major").ToDictionary(l => l.Version);

    public string LatestOccupationVersion => Occupations.Keys.Max(StringComparer.Ordinal) ?? "";
    public string LatestMajorVersion => Majors.Keys.Max(StringComparer.Ordinal) ?? "";

    public static CodeLists FromEmbeddedResources()
    {
        var assembly = typeof(CodeLists).Assembly;
        var lists = new List<CodeList>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("CodeLists.", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var document = JsonDocument.Parse(stream);
            lists.AddRange(document.RootElement.TryGetProperty("editions", out _) ? ParseEditions(document.RootElement) : [ParseFlat(document.RootElement)]);
        }
        return new CodeLists(lists);
    }

    /// <summary>{"codeList", "version", "codes": [{code, title}]}.</summary>
    public static CodeList ParseFlat(JsonElement root) =>
        new(root.GetProperty("codeList").GetString()!, root.GetProperty("version").GetString()!, Codes(root.GetProperty("codes")));

    /// <summary>The major catalogue: {"editions": [{year, added: [{code, title}], withdrawn: [code or {code}]}]}, cumulative.</summary>
    public static IEnumerable<CodeList> ParseEditions(JsonElement root)
    {
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var edition in root.GetProperty("editions").EnumerateArray().OrderBy(e => e.GetProperty("year").GetInt32()))
        {
            foreach (var (code, title) in Codes(edition.GetProperty("added")))
            {
                current[code] = title;
            }
            if (edition.TryGetProperty("withdrawn", out var withdrawn))
            {
                foreach (var item in withdrawn.EnumerateArray())
                {
                    current.Remove(item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetProperty("code").GetString()!);
                }
            }
            yield return new CodeList("major", edition.GetProperty("year").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                new Dictionary<string, string>(current, StringComparer.Ordinal));
        }
    }

    private static Dictionary<string, string> Codes(JsonElement array) =>
        array.EnumerateArray().ToDictionary(c => c.GetProperty("code").GetString()!, c => c.GetProperty("title").GetString()!, StringComparer.Ordinal);
}
