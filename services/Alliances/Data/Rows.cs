using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Data;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.Alliances.Data;

public sealed class AllianceRow
{
    public Guid Id { get; init; }
    public string DisplayName { get; set; } = "";
    public string ShortName { get; set; } = "";
    public string IndustryChain { get; set; } = "";
    public string LeadCode { get; init; } = "";
    public string LeadName { get; init; } = "";
    public string CharterSummary { get; set; } = "";
    public DateTime? FoundedDate { get; set; }
    public short State { get; init; }
    public string StateReason { get; init; } = "";
    public int MemberCount { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public Alliance.Types.State AllianceState => (Alliance.Types.State)State;

    public string Etag => Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public Alliance ToProto() => new()
    {
        Name = AllianceNames.Alliance(Id),
        DisplayName = DisplayName,
        ShortName = ShortName,
        IndustryChain = IndustryChain,
        LeadOrganization = new Organization { CreditCode = LeadCode, Name = LeadName, Kind = OrganizationKind.Enterprise },
        CharterSummary = CharterSummary,
        FoundedDate = FoundedDate is { } founded ? DateOnly.FromDateTime(founded).ToProto() : null,
        State = AllianceState,
        StateReason = StateReason,
        MemberCount = MemberCount,
        CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(CreateTime, DateTimeKind.Utc)),
        UpdateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(UpdateTime, DateTimeKind.Utc)),
        Etag = Etag,
    };
}

public sealed class MemberRow
{
    public Guid Id { get; init; }
    public Guid AllianceId { get; init; }
    public string CreditCode { get; init; } = "";
    public string OrgName { get; init; } = "";
    public short OrgKind { get; init; }
    public short Role { get; init; }
    /// <summary>Null while an invitation without a date awaits its answer: the acceptance date then.</summary>
    public DateTime? JoinedDate { get; init; }
    public DateTime? LeftDate { get; init; }
    public DateTime CreateTime { get; init; }
    public short State { get; init; }
    public DateTime? AnswerTime { get; init; }
    public string DeclineReason { get; init; } = "";

    public LinkState LinkState => (LinkState)State;

    public Member ToProto() => new()
    {
        Name = AllianceNames.Member(AllianceId, Id),
        Organization = new Organization { CreditCode = CreditCode, Name = OrgName, Kind = (OrganizationKind)OrgKind },
        Role = (Member.Types.Role)Role,
        JoinedDate = JoinedDate is { } joined ? DateOnly.FromDateTime(joined).ToProto() : null,
        LeftDate = LeftDate is { } left ? DateOnly.FromDateTime(left).ToProto() : null,
        CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(CreateTime, DateTimeKind.Utc)),
        State = LinkState,
        AnswerTime = AnswerTime is { } answered ? Timestamp.FromDateTime(DateTime.SpecifyKind(answered, DateTimeKind.Utc)) : null,
        DeclineReason = DeclineReason,
    };
}

public sealed class EvaluationRow
{
    public Guid AllianceId { get; init; }
    public int Year { get; init; }
    public int Score { get; init; }
    public short Grade { get; init; }
    public string Remarks { get; init; } = "";
    public DateTime CreateTime { get; init; }

    public Evaluation ToProto() => new()
    {
        Name = $"{AllianceNames.Alliance(AllianceId)}/evaluations/{Year}",
        Year = Year,
        Score = Score,
        Grade = (Evaluation.Types.Grade)Grade,
        Remarks = Remarks,
        CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(CreateTime, DateTimeKind.Utc)),
    };
}

/// <summary>Resource names: "alliances/{alliance}" and "alliances/{alliance}/members/{member}".</summary>
public static class AllianceNames
{
    public const string CollectionId = "alliances";
    private const string Collection = CollectionId + "/";
    private const string Members = "/members/";

    public static string Alliance(Guid id) => Collection + id.ToString("D");

    public static string Member(Guid allianceId, Guid memberId) => Alliance(allianceId) + Members + memberId.ToString("D");

    public static bool TryParseAlliance(string? name, out Guid id)
    {
        id = Guid.Empty;
        return name is not null && name.StartsWith(Collection, StringComparison.Ordinal)
            && Guid.TryParseExact(name.AsSpan(Collection.Length), "D", out id);
    }

    public static bool TryParseMember(string? name, out Guid allianceId, out Guid memberId)
    {
        allianceId = memberId = Guid.Empty;
        if (name is null || !name.StartsWith(Collection, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = name.AsSpan(Collection.Length);
        var separator = rest.IndexOf(Members, StringComparison.Ordinal);
        return separator > 0
            && Guid.TryParseExact(rest[..separator], "D", out allianceId)
            && Guid.TryParseExact(rest[(separator + Members.Length)..], "D", out memberId);
    }
}
