using Collaboration.Alliances.V1;

namespace Collaboration.Portal;

/// <summary>A lifecycle act on a record: the etag the person read (a stale one is refused by the service) and, for some acts, a reason.</summary>
public sealed class ActForm
{
    public string Etag { get; set; } = "";
    public string Reason { get; set; } = "";
    /// <summary>Set once per opened page so a double-click or a retried post acts once (the service's request_id).</summary>
    public string RequestId { get; set; } = "";
}

/// <summary>The editable details of an alliance, as the create and edit forms post them.</summary>
public sealed class AllianceForm
{
    public string DisplayName { get; set; } = "";
    public string ShortName { get; set; } = "";
    public string IndustryChain { get; set; } = "";
    public string CharterSummary { get; set; } = "";
    public DateOnly? FoundedDate { get; set; }
    public string Etag { get; set; } = "";
    public string RequestId { get; set; } = "";

    /// <summary>The request fields these inputs stand for (violations naming them appear next to the input).</summary>
    public static readonly string[] Fields =
        ["alliance.display_name", "alliance.short_name", "alliance.industry_chain", "alliance.charter_summary", "alliance.founded_date"];

    public static AllianceForm From(Alliance alliance) => new()
    {
        DisplayName = alliance.DisplayName,
        ShortName = alliance.ShortName,
        IndustryChain = alliance.IndustryChain,
        CharterSummary = alliance.CharterSummary,
        FoundedDate = Display.ToDateOnly(alliance.FoundedDate),
        Etag = alliance.Etag,
    };

    public Alliance ToAlliance(string name = "") => new()
    {
        Name = name,
        DisplayName = DisplayName ?? "",
        ShortName = ShortName ?? "",
        IndustryChain = IndustryChain ?? "",
        CharterSummary = CharterSummary ?? "",
        FoundedDate = Display.ToDate(FoundedDate),
        Etag = Etag ?? "",
    };
}

/// <summary>A member to add: the credit code and role the person typed (the organisation's name and kind come from the directory).</summary>
public sealed class MemberForm
{
    public string CreditCode { get; set; } = "";
    public Member.Types.Role Role { get; set; } = Member.Types.Role.Member;
    public DateOnly? JoinedDate { get; set; }
    public string RequestId { get; set; } = "";

    public static readonly string[] Fields =
        ["member.organization.credit_code", "member.organization", "member.role", "member.joined_date"];
}
