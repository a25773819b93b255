using Collaboration.Common.V1;
using Collaboration.Labs.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Validation;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.Labs.Data;

public sealed class LabRow
{
    public Guid Id { get; init; }
    public short Kind { get; init; }
    public short Level { get; init; }
    public string DisplayName { get; set; } = "";
    public string HostCode { get; init; } = "";
    public string HostName { get; init; } = "";
    public short HostKind { get; init; }
    public string ResearchField { get; set; } = "";
    public string DirectorName { get; set; } = "";
    public string DirectorTitle { get; set; } = "";
    public string ApplicationSummary { get; set; } = "";
    public short State { get; init; }
    public string StateReason { get; init; } = "";
    public DateTime? AccreditationDate { get; init; }
    public DateTime? ConstructionDeadline { get; init; }
    public Guid? UpgradeOf { get; init; }
    public Guid? SupersededBy { get; init; }
    public int PartnerCount { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public Lab.Types.State LabState => (Lab.Types.State)State;

    public string Etag => Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public Lab ToProto() => new()
    {
        Name = LabNames.Lab(Id),
        Kind = (Lab.Types.Kind)Kind,
        Level = (Lab.Types.Level)Level,
        DisplayName = DisplayName,
        HostOrganization = new Organization { CreditCode = HostCode, Name = HostName, Kind = (OrganizationKind)HostKind },
        ResearchField = ResearchField,
        Director = new Lab.Types.Director { Name = DirectorName, Title = DirectorTitle },
        ApplicationSummary = ApplicationSummary,
        State = LabState,
        StateReason = StateReason,
        AccreditationDate = AccreditationDate is { } accredited ? DateOnly.FromDateTime(accredited).ToProto() : null,
        ConstructionDeadline = ConstructionDeadline is { } deadline ? DateOnly.FromDateTime(deadline).ToProto() : null,
        UpgradeOf = UpgradeOf is { } of ? LabNames.Lab(of) : "",
        SupersededBy = SupersededBy is { } by ? LabNames.Lab(by) : "",
        PartnerCount = PartnerCount,
        CreateTime = Timestamps.Utc(CreateTime),
        UpdateTime = Timestamps.Utc(UpdateTime),
        Etag = Etag,
    };
}

public sealed class PartnerRow
{
    public Guid Id { get; init; }
    public Guid LabId { get; init; }
    public string CreditCode { get; init; } = "";
    public string OrgName { get; init; } = "";
    public short OrgKind { get; init; }
    public DateTime? JoinedDate { get; init; }
    public DateTime? LeftDate { get; init; }
    public DateTime CreateTime { get; init; }
    public short State { get; init; }
    public DateTime? AnswerTime { get; init; }
    public string DeclineReason { get; init; } = "";

    public LinkState LinkState => (LinkState)State;

    public Partner ToProto() => new()
    {
        Name = LabNames.Partner(LabId, Id),
        Organization = new Organization { CreditCode = CreditCode, Name = OrgName, Kind = (OrganizationKind)OrgKind },
        JoinedDate = JoinedDate is { } joined ? DateOnly.FromDateTime(joined).ToProto() : null,
        LeftDate = LeftDate is { } left ? DateOnly.FromDateTime(left).ToProto() : null,
        CreateTime = Timestamps.Utc(CreateTime),
        State = LinkState,
        AnswerTime = AnswerTime is { } answered ? Timestamps.Utc(answered) : null,
        DeclineReason = DeclineReason,
    };
}

public sealed class EvaluationRow
{
    public Guid LabId { get; init; }
    public int Cycle { get; init; }
    public int? Score { get; init; }
    public short Band { get; init; }
    public string Remarks { get; init; } = "";
    public DateTime CreateTime { get; init; }

    public Evaluation ToProto()
    {
        var evaluation = new Evaluation
        {
            Name = LabNames.Evaluation(LabId, Cycle),
            Cycle = Cycle,
            NotFiled = Score is null,
            Band = (Evaluation.Types.Band)Band,
            Remarks = Remarks,
            CreateTime = Timestamps.Utc(CreateTime),
        };
        if (Score is { } score)
        {
            evaluation.Score = score;
        }
        return evaluation;
    }
}

/// <summary>Where a post belongs: a platform, or an organisation that set it up without one.</summary>
public sealed record PostParent(Guid? LabId, string? OrganizationCode)
{
    public static PostParent Lab(Guid labId) => new(labId, null);

    public static PostParent Organization(string creditCode) => new(null, creditCode);
}

public sealed class PostRow
{
    public Guid Id { get; init; }
    public Guid? LabId { get; init; }
    public string? OrgCode { get; init; }
    public short Kind { get; init; }
    public string Field { get; init; } = "";
    public short Engagement { get; init; }
    public short State { get; init; }
    public string? PersonName { get; init; }
    public string? HomeCode { get; init; }
    public string? HomeName { get; init; }
    public short? HomeKind { get; init; }
    public DateTime? StartDate { get; init; }
    public DateTime? EndDate { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public Post.Types.State PostState => (Post.Types.State)State;

    public string Etag => Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public Post ToProto() => new()
    {
        Name = LabId is { } lab ? LabNames.Post(lab, Id) : OrganizationPostNames.Post(OrgCode!, Id),
        Kind = (Post.Types.Kind)Kind,
        Field = Field,
        Engagement = (Post.Types.Engagement)Engagement,
        State = PostState,
        Appointment = PersonName is null ? null : new Post.Types.Appointment
        {
            PersonName = PersonName,
            HomeOrganization = new Organization { CreditCode = HomeCode ?? "", Name = HomeName ?? "", Kind = (OrganizationKind)(HomeKind ?? 0) },
            StartDate = StartDate is { } start ? DateOnly.FromDateTime(start).ToProto() : null,
            EndDate = EndDate is { } end ? DateOnly.FromDateTime(end).ToProto() : null,
        },
        CreateTime = Timestamps.Utc(CreateTime),
        UpdateTime = Timestamps.Utc(UpdateTime),
        Etag = Etag,
    };
}

internal static class Timestamps
{
    public static Timestamp Utc(DateTime time) => Timestamp.FromDateTime(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

/// <summary>Resource names: "labs/{lab}" and its children "partners/{id}", "evaluations/{cycle}", "posts/{id}".</summary>
public static class LabNames
{
    public const string CollectionId = "labs";
    private const string Collection = CollectionId + "/";
    public const string Partners = "/partners/";
    public const string Posts = "/posts/";

    public static string Lab(Guid id) => Collection + id.ToString("D");

    public static string Partner(Guid labId, Guid partnerId) => Lab(labId) + Partners + partnerId.ToString("D");

    public static string Post(Guid labId, Guid postId) => Lab(labId) + Posts + postId.ToString("D");

    public static string Evaluation(Guid labId, int cycle) =>
        $"{Lab(labId)}/evaluations/{cycle.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static bool TryParseLab(string? name, out Guid id)
    {
        id = Guid.Empty;
        return name is not null && name.StartsWith(Collection, StringComparison.Ordinal)
            && Guid.TryParseExact(name.AsSpan(Collection.Length), "D", out id);
    }

    /// <summary>Parses "labs/{lab}{separator}{child}" where both ids are UUIDs.</summary>
    public static bool TryParseChild(string? name, string separator, out Guid labId, out Guid childId)
    {
        labId = childId = Guid.Empty;
        if (name is null || !name.StartsWith(Collection, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = name.AsSpan(Collection.Length);
        var at = rest.IndexOf(separator, StringComparison.Ordinal);
        return at > 0
            && Guid.TryParseExact(rest[..at], "D", out labId)
            && Guid.TryParseExact(rest[(at + separator.Length)..], "D", out childId);
    }
}

/// <summary>Resource names of the posts an organisation set up without a platform: "organizations/{credit_code}/posts/{id}".</summary>
public static class OrganizationPostNames
{
    private const string Collection = "organizations/";
    private const string Posts = "/posts/";

    /// <summary>The parent that lists across every organisation (AIP-159).</summary>
    public const string AnyOrganization = Collection + "-";

    public static string Organization(string creditCode) => Collection + creditCode;

    public static string Post(string creditCode, Guid postId) => Organization(creditCode) + Posts + postId.ToString("D");

    public static bool TryParseOrganization(string? name, out string creditCode)
    {
        creditCode = "";
        if (name is null || !name.StartsWith(Collection, StringComparison.Ordinal))
        {
            return false;
        }
        creditCode = name[Collection.Length..];
        return CreditCode.IsValid(creditCode);
    }

    public static bool TryParsePost(string? name, out string creditCode, out Guid postId)
    {
        creditCode = "";
        postId = Guid.Empty;
        var at = name?.IndexOf(Posts, StringComparison.Ordinal) ?? -1;
        return at > 0
            && TryParseOrganization(name![..at], out creditCode)
            && Guid.TryParseExact(name.AsSpan(at + Posts.Length), "D", out postId);
    }
}
