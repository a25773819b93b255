using System.Collections.Frozen;
using System.Text.Json;

namespace Collaboration.IndustrialColleges.Model;

/// <summary>
/// The vocational education major catalogue by edition: each edition adds and withdraws codes
/// relative to the one before, and a catalogue year means the latest edition of that year or earlier.
/// </summary>
public sealed class MajorCatalogue
{
    private readonly SortedList<int, FrozenDictionary<string, string>> _editions = [];

    public MajorCatalogue(IEnumerable<MajorEdition> editions)
    {
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var edition in editions.OrderBy(e => e.Year))
        {
            foreach (var code in edition.Withdrawn)
            {
                current.Remove(code);
            }
            foreach (var major in edition.Added)
            {
                current[major.Code] = major.Title;
            }
            _editions.Add(edition.Year, current.ToFrozenDictionary(StringComparer.Ordinal));
        }
    }

    public int FirstYear => _editions.Keys[0];

    public static MajorCatalogue Embedded()
    {
        using var stream = typeof(MajorCatalogue).Assembly.GetManifestResourceStream("major-catalogue.json")
            ?? throw new InvalidOperationException("The embedded major-catalogue.json is missing.");
        var file = JsonSerializer.Deserialize<CatalogueFile>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("major-catalogue.json is empty.");
        return new MajorCatalogue(file.Editions);
    }

    /// <summary>The title of <paramref name="code"/> in the catalogue in force in <paramref name="year"/>, or null.</summary>
    public string? Title(int year, string code) =>
        Edition(year) is { } majors && majors.TryGetValue(code, out var title) ? title : null;

    /// <summary>Null when the code is valid in that year; otherwise why not, in words.</summary>
    public string? Check(int year, string code)
    {
        if (Edition(year) is not { } majors)
        {
            return $"no major catalogue is in force in {year}; the first edition is {FirstYear}.";
        }
        if (majors.ContainsKey(code))
        {
            return null;
        }
        var validIn = _editions.Where(e => e.Value.ContainsKey(code)).Select(e => e.Key).ToList();
        return validIn.Count == 0
            ? $"'{code}' is not a code of the major catalogue."
            : $"'{code}' is not in the {year} catalogue (it is in the {string.Join(", ", validIn)} edition{(validIn.Count > 1 ? "s" : "")}).";
    }

    private FrozenDictionary<string, string>? Edition(int year)
    {
        FrozenDictionary<string, string>? found = null;
        foreach (var (editionYear, majors) in _editions)
        {
            if (editionYear > year)
            {
                break;
            }
            found = majors;
        }
        return found;
    }

    private sealed record CatalogueFile(IReadOnlyList<MajorEdition> Editions);
}

public sealed record MajorEdition(int Year, IReadOnlyList<MajorEntry> Added, IReadOnlyList<string> Withdrawn);

public sealed record MajorEntry(string Code, string Title);
