using System.Text.Json;

using Collaboration.Shared.Errors;

namespace Collaboration.Shared.Validation;

/// <summary>One version of a code list (occupations or majors).</summary>
public sealed record CodeList(string Name, string Version, IReadOnlyDictionary<string, string> Titles)
{
    public bool Contains(string code) => Titles.ContainsKey(code);
}

/// <summary>
/// The versioned code lists that cohorts' and demand declarations' occupation and major codes are checked against, read from the
/// JSON files the seeds ship (embedded): occupation-codes.json (one version) and major-catalogue.json
/// (a base edition, then per edition the codes added and withdrawn). A request names a version or
/// gets the latest.
/// </summary>
public sealed class CodeLists(IReadOnlyList<CodeList> lists)
{
    // Built once: every create and update checks codes against them.
    public IReadOnlyDictionary<string, CodeList> Occupations { get; } = ByVersion(lists, "occupation");
    public IReadOnlyDictionary<string, CodeList> Majors { get; } = ByVersion(lists, "major");

    public string LatestOccupationVersion => Occupations.Keys.Max(StringComparer.Ordinal) ?? "";
    public string LatestMajorVersion => Majors.Keys.Max(StringComparer.Ordinal) ?? "";

    private static Dictionary<string, CodeList> ByVersion(IReadOnlyList<CodeList> lists, string name) =>
        lists.Where(l => l.Name == name).ToDictionary(l => l.Version, StringComparer.Ordinal);

    /// <summary>
    /// Checks codes against one version of a list (the latest when <paramref name="version"/> is empty): an unknown version
    /// names <paramref name="versionField"/>, a missing or unknown code names <paramref name="field"/>.
    /// </summary>
    public static void Check(FieldViolations violations, string field, string versionField, IReadOnlyList<string> codes, string version,
        IReadOnlyDictionary<string, CodeList> lists, string latest, bool required = true)
    {
        var list = lists.GetValueOrDefault(version.Length == 0 ? latest : version);
        if (list is null)
        {
            violations.Add(versionField, $"is not a known version (known: {string.Join(", ", lists.Keys.Order(StringComparer.Ordinal))}).");
        }
        else if (required && codes.All(string.IsNullOrWhiteSpace))
        {
            violations.Add(field, "is required.");
        }
        else if (codes.FirstOrDefault(c => !list.Contains(c)) is { } unknown)
        {
            violations.Add(field, $"'{unknown}' is not in the {list.Name} list version {list.Version}.");
        }
    }

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
