using System.Text.Json;
using System.Text.Json.Serialization;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Validation;
using State = Collaboration.Alliances.V1.Alliance.Types.State;
using Role = Collaboration.Alliances.V1.Member.Types.Role;

namespace Collaboration.Seeds;

public sealed record IndustryChain(string Id, string Name, string NameEn);

public sealed record SeedCity(string Name, string NameEn, string DivisionCode);

public sealed record SeedOrganization(string CreditCode, string Name, string NameEn, OrganizationKind Kind,
    string IndustryChain, string District)
{
    public Organization ToProto() => new() { CreditCode = CreditCode, Name = Name, Kind = Kind };
}

public sealed record OrganizationsFile(string Note, SeedCity City, IReadOnlyList<IndustryChain> IndustryChains,
    IReadOnlyList<SeedOrganization> Organizations);

public sealed record SeedMember(string Organization, Role Role, DateOnly JoinedDate);

[JsonPolymorphic(TypeDiscriminatorPropertyName = "act")]
[JsonDerivedType(typeof(SubmitAct), "submit")]
[JsonDerivedType(typeof(ReturnAct), "return")]
[JsonDerivedType(typeof(ApproveAct), "approve")]
[JsonDerivedType(typeof(RequireRectificationAct), "require_rectification")]
[JsonDerivedType(typeof(ReinstateAct), "reinstate")]
[JsonDerivedType(typeof(DissolveAct), "dissolve")]
[JsonDerivedType(typeof(EvaluateAct), "evaluate")]
[JsonDerivedType(typeof(RemoveMemberAct), "remove_member")]
public abstract record SeedAct;

public sealed record SubmitAct : SeedAct;
public sealed record ReturnAct(string Reason) : SeedAct;
public sealed record ApproveAct : SeedAct;
public sealed record RequireRectificationAct(string Reason) : SeedAct;
public sealed record ReinstateAct : SeedAct;
public sealed record DissolveAct(string Reason) : SeedAct;
public sealed record EvaluateAct(int Year, int Score, string Remarks) : SeedAct;
public sealed record RemoveMemberAct(string Organization, DateOnly LeftDate) : SeedAct;

/// <summary>Not in the JSON history: the loader adds one per listed member right after creation.</summary>
public sealed record AddMemberAct(SeedMember Member) : SeedAct;

public sealed record SeedAlliance(string Slug, string DisplayName, string DisplayNameEn, string ShortName,
    string IndustryChain, string Lead, string CharterSummary, DateOnly FoundedDate, State State,
    IReadOnlyList<SeedMember> Members, IReadOnlyList<SeedAct> History);

public sealed record AlliancesFile(string Note, IReadOnlyList<SeedAlliance> Alliances);

public sealed record PlannedStep(SeedAct Act, State From, string Key);

/// <summary>The seed files, parsed and checked: a loader that refuses bad data beats a half-seeded city.</summary>
public sealed class SeedData
{
    public const string OrganizationsFileName = "organizations.json";
    public const string AlliancesFileName = "alliances.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowOutOfOrderMetadataProperties = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private static readonly OrganizationKind[] SeededKinds =
        [OrganizationKind.Enterprise, OrganizationKind.University, OrganizationKind.VocationalCollege, OrganizationKind.ResearchInstitute];

    private SeedData(OrganizationsFile organizations, AlliancesFile? alliances, LabsFile? labs, CollegesFile? colleges, IReadOnlyList<string> absent)
    {
        OrganizationsFile = organizations;
        Alliances = alliances?.Alliances ?? [];
        Labs = labs?.Labs ?? [];
        Colleges = colleges?.IndustrialColleges ?? [];
        Absent = absent;
        Organizations = organizations.Organizations.GroupBy(o => o.CreditCode).ToDictionary(g => g.Key, g => g.First());
    }

    public OrganizationsFile OrganizationsFile { get; }
    public IReadOnlyDictionary<string, SeedOrganization> Organizations { get; }
    public IReadOnlyList<SeedAlliance> Alliances { get; }
    public IReadOnlyList<SeedLab> Labs { get; }
    public IReadOnlyList<SeedCollege> Colleges { get; }

    /// <summary>Optional seed files that are not in the directory: what they hold is skipped.</summary>
    public IReadOnlyList<string> Absent { get; }

    /// <summary>
    /// Reads organizations.json (required) and, unless <paramref name="organizationsOnly"/>, every other
    /// seed file that is present (alliances.json, labs.json, industrial-colleges.json); a missing one is skipped.
    /// Industrial colleges' majors are checked against major-catalogue.json when it is there.
    /// </summary>
    public static SeedData Load(string directory, bool organizationsOnly = false)
    {
        var organizations = Read<OrganizationsFile>(Path.Combine(directory, OrganizationsFileName));
        var absent = new List<string>();
        var alliances = organizationsOnly ? null : ReadIfPresent<AlliancesFile>(directory, AlliancesFileName, absent);
        var labs = organizationsOnly ? null : ReadIfPresent<LabsFile>(directory, LabPlan.FileName, absent);
        var colleges = organizationsOnly ? null : ReadIfPresent<CollegesFile>(directory, CollegePlan.FileName, absent);
        var cataloguePath = Path.Combine(directory, CollegePlan.CatalogueFileName);
        var catalogue = colleges is not null && File.Exists(cataloguePath) ? new SeedMajorCatalogue(Read<MajorCatalogueFile>(cataloguePath)) : null;
        var data = new SeedData(organizations, alliances, labs, colleges, absent);
        var errors = data.CheckOrganizations().Concat(data.Alliances.SelectMany(data.CheckAlliance)).ToList();
        errors.AddRange(Duplicates(data.Alliances.Select(a => a.Slug), "alliance slug"));
        errors.AddRange(Duplicates(data.Alliances.Select(a => a.DisplayName), "alliance display name"));
        if (labs is not null && string.IsNullOrWhiteSpace(labs.Note))
        {
            errors.Add($"{LabPlan.FileName}: the \"note\" must say that this is sample data.");
        }
        errors.AddRange(LabPlan.Check(data.Labs, data.Organizations));
        if (colleges is not null && string.IsNullOrWhiteSpace(colleges.Note))
        {
            errors.Add($"{CollegePlan.FileName}: the \"note\" must say that this is sample data.");
        }
        errors.AddRange(CollegePlan.Check(data.Colleges, data.Organizations,
            organizations.IndustryChains.Select(c => c.Id).ToHashSet(StringComparer.Ordinal), catalogue));
        if (errors.Count > 0)
        {
            throw new SeedException($"the seed data in {directory} is invalid:{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", errors), SeedException.InvalidData);
        }
        return data;
    }

    public static IReadOnlyList<PlannedStep> Plan(SeedAlliance alliance)
    {
        var steps = new List<PlannedStep>();
        var occurrences = new Dictionary<string, int>();
        var state = State.Draft;
        foreach (var act in alliance.Members.Select(m => (SeedAct)new AddMemberAct(m)).Concat(alliance.History))
        {
            steps.Add(new PlannedStep(act, state, $"alliance/{alliance.Slug}/{KeyOf(act, occurrences)}"));
            state = Next(act, state) ?? state;
        }
        return steps;
    }

    /// <summary>
    /// The lifecycle as the seeds assume it (the Alliances service owns the real table): the state
    /// after <paramref name="act"/>, or null when the act is not allowed from <paramref name="from"/>.
    /// </summary>
    public static State? Next(SeedAct act, State from) => (act, from) switch
    {
        (AddMemberAct, State.Draft) => from,
        (SubmitAct, State.Draft) => State.Submitted,
        (ReturnAct, State.Submitted) => State.Draft,
        (ApproveAct, State.Submitted) => State.Approved,
        (RequireRectificationAct, State.Approved) => State.Rectification,
        (ReinstateAct, State.Rectification) => State.Approved,
        (DissolveAct, State.Approved or State.Rectification) => State.Dissolved,
        (EvaluateAct, State.Approved or State.Rectification) => from,
        (RemoveMemberAct, not State.Dissolved) => from,
        _ => null,
    };

    public static string Describe(SeedAct act) => act switch
    {
        AddMemberAct a => $"add member {a.Member.Organization}",
        RemoveMemberAct r => $"remove member {r.Organization}",
        EvaluateAct e => $"evaluate {e.Year}",
        _ => ActName(act),
    };

    public static string ClaimKind(OrganizationKind kind) => Shared.Identity.Caller.KindClaim(kind);

    private static string ActName(SeedAct act) => act switch
    {
        SubmitAct => "submit",
        ReturnAct => "return",
        ApproveAct => "approve",
        RequireRectificationAct => "require_rectification",
        ReinstateAct => "reinstate",
        DissolveAct => "dissolve",
        EvaluateAct => "evaluate",
        RemoveMemberAct => "remove_member",
        AddMemberAct => "add_member",
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, null),
    };

    // Keys name what a step does rather than its position, so inserting a step into the history
    // does not give the steps after it new request ids.
    private static string KeyOf(SeedAct act, Dictionary<string, int> occurrences)
    {
        switch (act)
        {
            case AddMemberAct a:
                return $"member/{a.Member.Organization}/add";
            case RemoveMemberAct r:
                return $"member/{r.Organization}/remove";
            case EvaluateAct e:
                return $"evaluation/{e.Year}";
            default:
                var name = ActName(act);
                var count = occurrences[name] = occurrences.GetValueOrDefault(name) + 1;
                return $"{name}/{count}";
        }
    }

    private static T? ReadIfPresent<T>(string directory, string fileName, List<string> absent) where T : class
    {
        var path = Path.Combine(directory, fileName);
        if (File.Exists(path))
        {
            return Read<T>(path);
        }
        absent.Add(fileName);
        return null;
    }

    private static T Read<T>(string path)
    {
        if (!File.Exists(path))
        {
            throw new SeedException($"{path} does not exist (use --seed-data DIR to point at the seed files).", SeedException.InvalidData);
        }
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<T>(stream, Json)
                ?? throw new SeedException($"{path} is empty.", SeedException.InvalidData);
        }
        catch (JsonException e)
        {
            throw new SeedException($"{path} is not valid seed data: {e.Message}", SeedException.InvalidData);
        }
    }

    private IEnumerable<string> CheckOrganizations()
    {
        var file = OrganizationsFile;
        if (string.IsNullOrWhiteSpace(file.Note))
        {
            yield return $"{OrganizationsFileName}: the \"note\" must say that this is sample data.";
        }
        foreach (var duplicate in Duplicates(file.IndustryChains.Select(c => c.Id), "industry chain"))
        {
            yield return duplicate;
        }
        foreach (var duplicate in Duplicates(file.Organizations.Select(o => o.CreditCode), "credit code"))
        {
            yield return duplicate;
        }
        var chains = file.IndustryChains.Select(c => c.Id).ToHashSet();
        foreach (var organization in file.Organizations)
        {
            var where = $"{OrganizationsFileName}: {organization.Name}";
            if (CreditCode.Check(organization.CreditCode) is { } problem)
            {
                yield return $"{where}: credit code {organization.CreditCode}: {problem}";
            }
            else if (!organization.CreditCode.AsSpan(2, 6).StartsWith(file.City.DivisionCode.AsSpan(0, 4)))
            {
                yield return $"{where}: credit code {organization.CreditCode} is not registered in {file.City.Name} ({file.City.DivisionCode[..4]}xx).";
            }
            if (!SeededKinds.Contains(organization.Kind))
            {
                yield return $"{where}: kind must be one of {string.Join(", ", SeededKinds.Select(ClaimKind))}.";
            }
            if (!chains.Contains(organization.IndustryChain))
            {
                yield return $"{where}: unknown industry chain '{organization.IndustryChain}'.";
            }
        }
    }

    private IEnumerable<string> CheckAlliance(SeedAlliance alliance)
    {
        var where = $"{AlliancesFileName}: {alliance.Slug}";
        var chains = OrganizationsFile.IndustryChains.Select(c => c.Id).ToHashSet();
        if (!chains.Contains(alliance.IndustryChain))
        {
            yield return $"{where}: unknown industry chain '{alliance.IndustryChain}'.";
        }
        if (!Organizations.TryGetValue(alliance.Lead, out var lead))
        {
            yield return $"{where}: the lead {alliance.Lead} is not in {OrganizationsFileName}.";
        }
        else if (lead.Kind != OrganizationKind.Enterprise)
        {
            yield return $"{where}: the lead {lead.Name} must be an enterprise.";
        }
        foreach (var duplicate in Duplicates(alliance.Members.Select(m => m.Organization), "member"))
        {
            yield return $"{where}: {duplicate}";
        }
        foreach (var member in alliance.Members)
        {
            if (!Organizations.ContainsKey(member.Organization))
            {
                yield return $"{where}: member {member.Organization} is not in {OrganizationsFileName}.";
            }
            if (member.Organization == alliance.Lead)
            {
                yield return $"{where}: the lead is a member by being the lead; do not list it again.";
            }
            if (member.Role is not (Role.ViceChair or Role.Member or Role.Observer))
            {
                yield return $"{where}: member {member.Organization}: role must be vice_chair, member or observer.";
            }
            if (member.JoinedDate < alliance.FoundedDate)
            {
                yield return $"{where}: member {member.Organization} joins before the alliance was founded.";
            }
        }
        foreach (var problem in CheckHistory(alliance, where))
        {
            yield return problem;
        }
    }

    private IEnumerable<string> CheckHistory(SeedAlliance alliance, string where)
    {
        var state = State.Draft;
        var current = alliance.Members.ToDictionary(m => m.Organization);
        foreach (var act in alliance.History)
        {
            var next = Next(act, state);
            if (next is null)
            {
                yield return $"{where}: '{Describe(act)}' is not allowed while the alliance is {ClaimState(state)}.";
                yield break;
            }
            switch (act)
            {
                case ApproveAct when !JoinsIndustryAndAcademia(current.Keys.Append(alliance.Lead)):
                    yield return $"{where}: approval needs an enterprise and a university or research institute among the members.";
                    break;
                case EvaluateAct e when e.Score is < 0 or > 100 || e.Year < alliance.FoundedDate.Year:
                    yield return $"{where}: evaluation {e.Year}: the score must be 0–100 and the year not before the founding.";
                    break;
                case RemoveMemberAct r when !current.ContainsKey(r.Organization):
                    yield return $"{where}: {r.Organization} leaves but is not a current member.";
                    break;
                case RemoveMemberAct r:
                    if (r.LeftDate < current[r.Organization].JoinedDate)
                    {
                        yield return $"{where}: {r.Organization} leaves before it joined.";
                    }
                    current.Remove(r.Organization);
                    break;
            }
            state = next.Value;
        }
        if (state != alliance.State)
        {
            yield return $"{where}: the history ends in {ClaimState(state)} but \"state\" says {ClaimState(alliance.State)}.";
        }
    }

    private bool JoinsIndustryAndAcademia(IEnumerable<string> codes)
    {
        var kinds = codes.Select(c => Organizations.GetValueOrDefault(c)?.Kind).ToList();
        return kinds.Contains(OrganizationKind.Enterprise)
            && (kinds.Contains(OrganizationKind.University) || kinds.Contains(OrganizationKind.ResearchInstitute));
    }

    public static string ClaimState(State state) => JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());

    private static IEnumerable<string> Duplicates(IEnumerable<string> values, string what) =>
        values.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => $"duplicate {what} '{g.Key}'.");
}
