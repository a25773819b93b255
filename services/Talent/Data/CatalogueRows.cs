using System.Globalization;
using Collaboration.Talent.Model;
using Collaboration.Talent.V1;

namespace Collaboration.Talent.Data;

public sealed class EditionRow
{
    public int Year { get; init; }
    public short State { get; init; }
    public int EntryCount { get; init; }
    public long ScarceHundredths { get; init; }
    public long UrgentHundredths { get; init; }
    public DateTime CompileTime { get; init; }
    public DateTime? PublishTime { get; init; }
    public int? SupersededByYear { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long RowVersion { get; init; }

    public CatalogueEdition.Types.State EditionState => (CatalogueEdition.Types.State)State;

    public string Etag => RowVersion.ToString(CultureInfo.InvariantCulture);

    public CatalogueEdition ToProto() => new()
    {
        Name = CatalogueNames.Edition(Year),
        Year = Year,
        State = EditionState,
        EntryCount = EntryCount,
        ScarceThreshold = ShortageIndex.Format(ScarceHundredths),
        UrgentThreshold = ShortageIndex.Format(UrgentHundredths),
        CompileTime = DeclarationRow.Utc(CompileTime),
        PublishTime = PublishTime is { } published ? DeclarationRow.Utc(published) : null,
        SupersededBy = SupersededByYear is { } by ? CatalogueNames.Edition(by) : "",
        CreateTime = DeclarationRow.Utc(CreateTime),
        UpdateTime = DeclarationRow.Utc(UpdateTime),
        Etag = Etag,
    };
}

public sealed class EntryRow
{
    public int Year { get; init; }
    public string OccupationCode { get; init; } = "";
    public string IndustryChain { get; init; } = "";
    public string OccupationTitle { get; init; } = "";
    public int TotalDemand { get; init; }
    public int DeclaringEnterprises { get; init; }
    public int PayMinYuan { get; init; }
    public int PayMaxYuan { get; init; }
    public int SupplySeats { get; init; }
    public int SupplyGraduatesPlaced { get; init; }
    public long? IndexHundredths { get; init; }
    public short ComputedBand { get; init; }
    public short? BandOverride { get; set; }
    public string Note { get; set; } = "";
    public DateTime UpdateTime { get; init; }
    public long RowVersion { get; init; }

    public string Etag => RowVersion.ToString(CultureInfo.InvariantCulture);

    public CatalogueEntry ToProto() => new()
    {
        Name = CatalogueNames.Entry(Year, OccupationCode, IndustryChain),
        OccupationCode = OccupationCode,
        OccupationTitle = OccupationTitle,
        IndustryChain = IndustryChain,
        TotalDemand = TotalDemand,
        DeclaringEnterprises = DeclaringEnterprises,
        MonthlyPayMinYuan = PayMinYuan,
        MonthlyPayMaxYuan = PayMaxYuan,
        SupplySeats = SupplySeats,
        SupplyGraduatesPlaced = SupplyGraduatesPlaced,
        Supply = SupplySeats + SupplyGraduatesPlaced,
        ShortageIndex = IndexHundredths is { } index ? ShortageIndex.Format(index) : "",
        NoSupply = IndexHundredths is null,
        ComputedBand = (Band)ComputedBand,
        Band = (Band)(BandOverride ?? ComputedBand),
        BandAdjusted = BandOverride is not null,
        Note = Note,
        UpdateTime = DeclarationRow.Utc(UpdateTime),
        Etag = Etag,
    };
}

/// <summary>What the compilation reads from the accepted declarations, per occupation × chain.</summary>
public sealed record DemandRow(string OccupationCode, string IndustryChain, int TotalDemand, int DeclaringEnterprises, int PayMinYuan, int PayMaxYuan);

/// <summary>Resource names: "catalogueEditions/{year}" and "catalogueEditions/{year}/entries/{occupation_code}~{industry_chain}".</summary>
public static class CatalogueNames
{
    public const string Collection = "catalogueEditions";
    private const string Editions = Collection + "/";
    private const string Entries = "/entries/";
    private const char Separator = '~';

    public static string Edition(int year) => Editions + year.ToString(CultureInfo.InvariantCulture);

    public static string Entry(int year, string occupationCode, string industryChain) => Edition(year) + Entries + EntryId(occupationCode, industryChain);

    public static string EntryId(string occupationCode, string industryChain) => occupationCode + Separator + industryChain;

    public static bool TryParseEdition(string? name, out int year)
    {
        year = 0;
        return name is not null && name.StartsWith(Editions, StringComparison.Ordinal) && ParseYear(name.AsSpan(Editions.Length), out year);
    }

    public static bool TryParseEntry(string? name, out int year, out string occupationCode, out string industryChain)
    {
        year = 0;
        occupationCode = industryChain = "";
        if (name is null || !name.StartsWith(Editions, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = name[Editions.Length..];
        var at = rest.IndexOf(Entries, StringComparison.Ordinal);
        if (at <= 0 || !ParseYear(rest.AsSpan(0, at), out year))
        {
            return false;
        }
        var id = rest[(at + Entries.Length)..];
        var separator = id.IndexOf(Separator, StringComparison.Ordinal);
        if (separator <= 0 || separator == id.Length - 1 || id.IndexOf(Separator, separator + 1) >= 0)
        {
            return false;
        }
        occupationCode = id[..separator];
        industryChain = id[(separator + 1)..];
        return true;
    }

    private static bool ParseYear(ReadOnlySpan<char> text, out int year) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out year) && text.Length == 4;
}
