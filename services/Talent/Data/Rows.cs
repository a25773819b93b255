using System.Globalization;
using Collaboration.Common.V1;
using Collaboration.Talent.V1;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.Talent.Data;

public sealed class DeclarationRow
{
    public Guid Id { get; init; }
    public Guid LineageId { get; init; }
    public int Version { get; init; }
    public Guid? RevisesId { get; init; }
    public Guid? SupersededById { get; init; }
    public string EnterpriseCode { get; init; } = "";
    public string EnterpriseName { get; init; } = "";
    public short EnterpriseKind { get; init; }
    public int Year { get; set; }
    public string OccupationCode { get; set; } = "";
    public string OccupationVersion { get; set; } = "";
    public string[] MajorCodes { get; set; } = [];
    public string MajorVersion { get; set; } = "";
    public string IndustryChain { get; set; } = "";
    public int Headcount { get; set; }
    public short EducationLevel { get; set; }
    public short SkillLevel { get; set; }
    public short Urgency { get; set; }
    public int PayMinYuan { get; set; }
    public int PayMaxYuan { get; set; }
    public string WorkDistrict { get; set; } = "";
    public string Description { get; set; } = "";
    public short State { get; init; }
    public string StateReason { get; init; } = "";
    public DateTime? SubmitTime { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long RowVersion { get; init; }

    public Declaration.Types.State DeclarationState => (Declaration.Types.State)State;

    public string Etag => RowVersion.ToString(CultureInfo.InvariantCulture);

    public Declaration ToProto() => new()
    {
        Name = TalentNames.Declaration(Id),
        Enterprise = new Organization { CreditCode = EnterpriseCode, Name = EnterpriseName, Kind = (OrganizationKind)EnterpriseKind },
        Year = Year,
        OccupationCode = OccupationCode,
        OccupationCatalogueVersion = OccupationVersion,
        RelatedMajorCodes = { MajorCodes },
        MajorCatalogueVersion = MajorVersion,
        IndustryChain = IndustryChain,
        Headcount = Headcount,
        EducationLevel = (EducationLevel)EducationLevel,
        SkillLevel = SkillLevel,
        Urgency = (Urgency)Urgency,
        MonthlyPayMinYuan = PayMinYuan,
        MonthlyPayMaxYuan = PayMaxYuan,
        WorkDistrict = WorkDistrict,
        Description = Description,
        State = DeclarationState,
        StateReason = StateReason,
        Version = Version,
        Revises = RevisesId is { } revises ? TalentNames.Declaration(revises) : "",
        SupersededBy = SupersededById is { } by ? TalentNames.Declaration(by) : "",
        CreateTime = Utc(CreateTime),
        UpdateTime = Utc(UpdateTime),
        SubmitTime = SubmitTime is { } submitted ? Utc(submitted) : null,
        Etag = Etag,
    };

    internal static Timestamp Utc(DateTime time) => Timestamp.FromDateTime(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

/// <summary>Resource names: "declarations/{declaration}".</summary>
public static class TalentNames
{
    public const string DeclarationCollection = "declarations";
    private const string Declarations = DeclarationCollection + "/";

    public static string Declaration(Guid id) => Declarations + id.ToString("D");

    public static bool TryParseDeclaration(string? name, out Guid id)
    {
        id = Guid.Empty;
        return name is not null && name.StartsWith(Declarations, StringComparison.Ordinal)
            && Guid.TryParseExact(name.AsSpan(Declarations.Length), "D", out id);
    }
}
