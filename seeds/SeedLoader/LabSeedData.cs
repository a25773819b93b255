using System.Text.Json;
using System.Text.Json.Serialization;
using Collaboration.Common.V1;
using Collaboration.Labs.V1;
using Collaboration.Shared.Data;
using Band = Collaboration.Labs.V1.Evaluation.Types.Band;
using Kind = Collaboration.Labs.V1.Lab.Types.Kind;
using Level = Collaboration.Labs.V1.Lab.Types.Level;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Seeds;

public sealed record SeedDirector(string Name, string Title);

public sealed record SeedPartner(string Organization, DateOnly JoinedDate);

public sealed record SeedAppointment(string PersonName, string HomeOrganization, DateOnly StartDate, DateOnly? EndDate = null);

public sealed record SeedPost(Post.Types.Kind Kind, string Field, Post.Types.Engagement Engagement, SeedAppointment? Appointment = null);

/// <summary>An act of a platform's history in labs.json; the host does submit, start_construction, request_acceptance and request_upgrade, the city's admins the rest.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "act")]
[JsonDerivedType(typeof(LabAct.Submit), "submit")]
[JsonDerivedType(typeof(LabAct.Return), "return")]
[JsonDerivedType(typeof(LabAct.StartPreliminaryReview), "start_preliminary_review")]
[JsonDerivedType(typeof(LabAct.PassPreliminaryReview), "pass_preliminary_review")]
[JsonDerivedType(typeof(LabAct.PassExpertReview), "pass_expert_review")]
[JsonDerivedType(typeof(LabAct.Reject), "reject")]
[JsonDerivedType(typeof(LabAct.Accredit), "accredit")]
[JsonDerivedType(typeof(LabAct.StartConstruction), "start_construction")]
[JsonDerivedType(typeof(LabAct.RequestAcceptance), "request_acceptance")]
[JsonDerivedType(typeof(LabAct.PassAcceptance), "pass_acceptance")]
[JsonDerivedType(typeof(LabAct.DeferAcceptance), "defer_acceptance")]
[JsonDerivedType(typeof(LabAct.CompleteRectification), "complete_rectification")]
[JsonDerivedType(typeof(LabAct.Evaluate), "evaluate")]
[JsonDerivedType(typeof(LabAct.RequestUpgrade), "request_upgrade")]
public abstract record LabAct
{
    public sealed record Submit : LabAct;
    public sealed record Return(string Reason) : LabAct;
    public sealed record StartPreliminaryReview : LabAct;
    public sealed record PassPreliminaryReview : LabAct;
    public sealed record PassExpertReview : LabAct;
    public sealed record Reject(string Reason) : LabAct;
    public sealed record Accredit : LabAct;
    public sealed record StartConstruction : LabAct;
    public sealed record RequestAcceptance : LabAct;
    public sealed record PassAcceptance : LabAct;
    public sealed record DeferAcceptance(DateOnly ConstructionDeadline, string Reason) : LabAct;
    public sealed record CompleteRectification : LabAct;

    /// <summary>No score means "not filed", which is unqualified.</summary>
    public sealed record Evaluate(int Cycle, string Remarks, int? Score = null) : LabAct;

    /// <summary>Creates the application one level up; <paramref name="Slug"/> names it for the seeds.</summary>
    public sealed record RequestUpgrade(string Slug) : LabAct;
}

public sealed record SeedLab(string Slug, Kind Kind, Level Level, string DisplayName, string DisplayNameEn, string Host,
    string ResearchField, SeedDirector Director, string ApplicationSummary, State State,
    IReadOnlyList<SeedPartner> Partners, IReadOnlyList<SeedPost> Posts, IReadOnlyList<LabAct> History);

public sealed record LabsFile(string Note, IReadOnlyList<SeedLab> Labs);

/// <summary>One act of a platform's history with the state it starts from and leads to, and its request-id key.</summary>
public sealed record PlannedLabStep(LabAct Act, State From, State To, string Key);

/// <summary>
/// The platform rules as the seeds assume them (the Labs service owns the real ones): who may host
/// what, the lifecycle, evaluation bands and their consequences, upgrades. The loader walks the
/// plan and refuses seeds that break these rules before writing anything.
/// </summary>
public static class LabPlan
{
    public const string FileName = "labs.json";

    // The service's limits (LabsGrpcService).
    private const int MaxNameLength = 200;
    private const int MaxFieldLength = 64;
    private const int MaxPersonLength = 100;
    private const int MaxSummaryLength = 4000;
    private const int MaxReasonLength = 2000;
    private const int FirstCycle = 2000;

    /// <summary>The steps of <paramref name="lab"/>'s history, each with the state it starts from.</summary>
    public static IReadOnlyList<PlannedLabStep> Plan(SeedLab lab) => Walk(lab, today: null).Steps;

    /// <summary>The key of a step that is not part of the history: create, partners and posts.</summary>
    public static string Key(SeedLab lab, string step) => $"lab/{lab.Slug}/{step}";

    public static string PostKey(SeedPost post) => $"post/{SnakeCase(post.Kind)}/{post.Field}";

    public static string Describe(LabAct act) => act switch
    {
        LabAct.Evaluate e => $"evaluate {e.Cycle}" + (e.Score is { } s ? $" (score {s})" : " (not filed)"),
        LabAct.RequestUpgrade u => $"request_upgrade {u.Slug}",
        _ => ActName(act),
    };

    public static string ClaimState(State state) => SnakeCase(state);

    public static bool IsFinal(State state) => state is State.Rejected or State.Revoked or State.Upgraded;

    public static bool IsHostAct(LabAct act) =>
        act is LabAct.Submit or LabAct.StartConstruction or LabAct.RequestAcceptance or LabAct.RequestUpgrade;

    /// <summary>The state after a lifecycle act, or null when the act is not allowed from <paramref name="from"/>. Evaluations and upgrades are handled by the walk.</summary>
    public static State? Next(LabAct act, State from) => (act, from) switch
    {
        (LabAct.Submit, State.Draft) => State.Submitted,
        (LabAct.Return, State.Submitted or State.PreliminaryReview) => State.Draft,
        (LabAct.StartPreliminaryReview, State.Submitted) => State.PreliminaryReview,
        (LabAct.PassPreliminaryReview, State.PreliminaryReview) => State.ExpertReview,
        (LabAct.PassExpertReview, State.ExpertReview) => State.PublicNotice,
        (LabAct.Reject, State.PreliminaryReview or State.ExpertReview or State.PublicNotice) => State.Rejected,
        (LabAct.Accredit, State.PublicNotice) => State.ApprovedForConstruction,
        (LabAct.StartConstruction, State.ApprovedForConstruction) => State.Construction,
        (LabAct.RequestAcceptance, State.Construction) => State.Acceptance,
        (LabAct.PassAcceptance, State.Acceptance) => State.Operating,
        (LabAct.DeferAcceptance, State.Acceptance) => State.Construction,
        (LabAct.CompleteRectification, State.Rectification) => State.Operating,
        (LabAct.RequestUpgrade, State.Operating) => State.Operating,
        _ => null,
    };

    /// <summary>Excellent ≥ 90, good 65–89, basically qualified 60–64, unqualified below 60 or not filed.</summary>
    public static Band BandOf(int? score) => score switch
    {
        null => Band.Unqualified,
        >= 90 => Band.Excellent,
        >= 65 => Band.Good,
        >= 60 => Band.BasicallyQualified,
        _ => Band.Unqualified,
    };

    /// <summary>Unqualified next to another unqualified cycle revokes; basically qualified or unqualified sends an operating platform to rectification.</summary>
    public static State AfterEvaluation(State from, Band band, bool neighbouringCycleUnqualified) => band switch
    {
        Band.Unqualified when neighbouringCycleUnqualified => State.Revoked,
        Band.Unqualified or Band.BasicallyQualified when from == State.Operating => State.Rectification,
        _ => from,
    };

    /// <summary>Enterprise technology centres are hosted by enterprises; key laboratories and engineering research centres also by universities and research institutes.</summary>
    public static bool CanHost(Kind kind, OrganizationKind host) => kind switch
    {
        Kind.EnterpriseTechnologyCenter => host == OrganizationKind.Enterprise,
        Kind.KeyLaboratory or Kind.EngineeringResearchCenter =>
            host is OrganizationKind.Enterprise or OrganizationKind.University or OrganizationKind.ResearchInstitute,
        _ => false,
    };

    public static Level? NextLevel(Level level) => level switch
    {
        Level.Municipal => Level.Provincial,
        Level.Provincial => Level.National,
        _ => null,
    };

    /// <summary>Everything wrong with the seeded platforms, checked against the organisations and the rules above.</summary>
    public static IEnumerable<string> Check(IReadOnlyList<SeedLab> labs, IReadOnlyDictionary<string, SeedOrganization> organizations)
    {
        var problems = new List<string>();
        var slugs = labs.Select(l => l.Slug)
            .Concat(labs.SelectMany(l => l.History.OfType<LabAct.RequestUpgrade>().Select(u => u.Slug)));
        problems.AddRange(Duplicates(slugs, "lab or upgrade slug").Select(p => $"{FileName}: {p}"));
        // Re-runs find a platform by host and display name.
        problems.AddRange(labs.GroupBy(l => (l.Host, l.DisplayName)).Where(g => g.Count() > 1)
            .Select(g => $"{FileName}: {string.Join(", ", g.Select(l => l.Slug))}: two platforms of {g.Key.Host} named {g.Key.DisplayName}."));
        foreach (var lab in labs)
        {
            problems.AddRange(CheckLab(lab, organizations).Select(p => $"{FileName}: {lab.Slug}: {p}"));
        }
        return problems;
    }

    private static IEnumerable<string> CheckLab(SeedLab lab, IReadOnlyDictionary<string, SeedOrganization> organizations)
    {
        if (string.IsNullOrWhiteSpace(lab.Slug))
        {
            yield return "the slug is required.";
        }
        if (lab.Kind == Kind.Unspecified || lab.Level == Level.Unspecified || lab.State == State.Unspecified)
        {
            yield return "kind, level and state are required.";
        }
        foreach (var problem in new[]
        {
            Text("displayName", lab.DisplayName, MaxNameLength),
            Text("researchField", lab.ResearchField, MaxFieldLength),
            Text("director.name", lab.Director.Name, MaxPersonLength, required: false),
            Text("director.title", lab.Director.Title, MaxPersonLength, required: false),
            Text("applicationSummary", lab.ApplicationSummary, MaxSummaryLength, required: false),
        }.OfType<string>())
        {
            yield return problem;
        }
        if (!organizations.TryGetValue(lab.Host, out var host))
        {
            yield return $"the host {lab.Host} is not in {SeedData.OrganizationsFileName}.";
        }
        else if (lab.Kind != Kind.Unspecified && !CanHost(lab.Kind, host.Kind))
        {
            yield return $"{host.Name} ({SeedData.ClaimKind(host.Kind)}) cannot host a platform of kind {SnakeCase(lab.Kind)}: "
                + (lab.Kind == Kind.EnterpriseTechnologyCenter ? "an enterprise does." : "an enterprise, university or research institute does.");
        }
        foreach (var duplicate in Duplicates(lab.Partners.Select(p => p.Organization), "partner"))
        {
            yield return duplicate;
        }
        foreach (var partner in lab.Partners)
        {
            if (!organizations.ContainsKey(partner.Organization))
            {
                yield return $"partner {partner.Organization} is not in {SeedData.OrganizationsFileName}.";
            }
            if (partner.Organization == lab.Host)
            {
                yield return $"partner {partner.Organization} hosts the platform; a host is not its own partner.";
            }
        }
        foreach (var duplicate in Duplicates(lab.Posts.Select(PostKey), "post (kind and field)"))
        {
            yield return duplicate;
        }
        foreach (var post in lab.Posts)
        {
            foreach (var problem in CheckPost(post, organizations))
            {
                yield return $"post {SnakeCase(post.Kind)} '{post.Field}': {problem}";
            }
        }
        foreach (var problem in Walk(lab, Dates.Today).Problems)
        {
            yield return problem;
        }
    }

    private static IEnumerable<string> CheckPost(SeedPost post, IReadOnlyDictionary<string, SeedOrganization> organizations)
    {
        if (post.Kind == Post.Types.Kind.Unspecified || post.Engagement == Post.Types.Engagement.Unspecified)
        {
            yield return "kind and engagement are required.";
        }
        if (Text("field", post.Field, MaxFieldLength) is { } field)
        {
            yield return field;
        }
        if (post.Appointment is not { } appointment)
        {
            yield break;
        }
        if (Text("appointment.personName", appointment.PersonName, MaxPersonLength) is { } person)
        {
            yield return person;
        }
        if (!organizations.ContainsKey(appointment.HomeOrganization))
        {
            yield return $"appointment.homeOrganization {appointment.HomeOrganization} is not in {SeedData.OrganizationsFileName}.";
        }
        if (appointment.EndDate < appointment.StartDate)
        {
            yield return "the appointment ends before it starts.";
        }
    }

    /// <summary>
    /// Follows the history from a draft: the planned steps, and (with <paramref name="today"/>) what the
    /// service would refuse. Keys name what a step does rather than its position, so inserting a step
    /// does not give the steps after it new request ids.
    /// </summary>
    private static (IReadOnlyList<PlannedLabStep> Steps, IReadOnlyList<string> Problems) Walk(SeedLab lab, DateOnly? today)
    {
        var steps = new List<PlannedLabStep>();
        var problems = new List<string>();
        var bands = new Dictionary<int, Band>();
        var occurrences = new Dictionary<string, int>();
        var upgraded = false;
        var state = State.Draft;
        foreach (var act in lab.History)
        {
            var next = act is LabAct.Evaluate evaluation ? Evaluate(evaluation, state, bands, problems, today) : Next(act, state);
            if (next is null)
            {
                problems.Add($"'{Describe(act)}' is not allowed while the platform is {ClaimState(state)}.");
                return (steps, problems);
            }
            var reason = act switch
            {
                LabAct.Return r => Text("reason", r.Reason, MaxReasonLength),
                LabAct.Reject r => Text("reason", r.Reason, MaxReasonLength),
                LabAct.DeferAcceptance d => Text("reason", d.Reason, MaxReasonLength, required: false),
                _ => null,
            };
            if (reason is not null)
            {
                problems.Add($"{Describe(act)}: {reason}");
            }
            switch (act)
            {
                case LabAct.DeferAcceptance defer when today is { } day && defer.ConstructionDeadline <= day:
                    problems.Add($"defer_acceptance: the construction deadline {defer.ConstructionDeadline:yyyy-MM-dd} must be after today ({day:yyyy-MM-dd}).");
                    break;
                case LabAct.RequestUpgrade upgrade:
                    if (upgraded)
                    {
                        problems.Add($"{Describe(act)}: a platform has at most one upgrade application in progress.");
                    }
                    if (NextLevel(lab.Level) is null)
                    {
                        problems.Add($"{Describe(act)}: a national platform has no level above it.");
                    }
                    if (bands.Count == 0 || bands[bands.Keys.Max()] != Band.Excellent)
                    {
                        problems.Add($"{Describe(act)}: an upgrade needs an excellent result in the latest evaluation.");
                    }
                    if (string.IsNullOrWhiteSpace(upgrade.Slug))
                    {
                        problems.Add($"{Describe(act)}: the slug is required.");
                    }
                    upgraded = true;
                    break;
            }
            steps.Add(new PlannedLabStep(act, state, next.Value, $"lab/{lab.Slug}/{KeyOf(act, occurrences)}"));
            state = next.Value;
        }
        if (state != lab.State)
        {
            problems.Add($"the history ends in {ClaimState(state)} but \"state\" says {ClaimState(lab.State)}.");
        }
        return (steps, problems);
    }

    private static State? Evaluate(LabAct.Evaluate evaluation, State state, Dictionary<int, Band> bands, List<string> problems, DateOnly? today)
    {
        if (state is not (State.Operating or State.Rectification))
        {
            return null;
        }
        var where = $"evaluate {evaluation.Cycle}";
        if (evaluation.Score is < 0 or > 100)
        {
            problems.Add($"{where}: the score must be 0–100 (or absent for \"not filed\").");
        }
        if (today is { } day && (evaluation.Cycle < FirstCycle || evaluation.Cycle > day.Year))
        {
            problems.Add($"{where}: the cycle must be from {FirstCycle} to this year ({day.Year}).");
        }
        if (Text("remarks", evaluation.Remarks, MaxReasonLength, required: false) is { } remarks)
        {
            problems.Add($"{where}: {remarks}");
        }
        if (bands.ContainsKey(evaluation.Cycle))
        {
            problems.Add($"{where}: the cycle is already evaluated.");
            return state;
        }
        var band = BandOf(evaluation.Score);
        var neighbourUnqualified = band == Band.Unqualified
            && (bands.GetValueOrDefault(evaluation.Cycle - 1) == Band.Unqualified || bands.GetValueOrDefault(evaluation.Cycle + 1) == Band.Unqualified);
        bands[evaluation.Cycle] = band;
        return AfterEvaluation(state, band, neighbourUnqualified);
    }

    private static string KeyOf(LabAct act, Dictionary<string, int> occurrences)
    {
        switch (act)
        {
            case LabAct.Evaluate e:
                return $"evaluation/{e.Cycle}";
            case LabAct.RequestUpgrade u:
                return $"upgrade/{u.Slug}";
            default:
                var name = ActName(act);
                var count = occurrences[name] = occurrences.GetValueOrDefault(name) + 1;
                return $"{name}/{count}";
        }
    }

    private static string ActName(LabAct act) => act switch
    {
        LabAct.Submit => "submit",
        LabAct.Return => "return",
        LabAct.StartPreliminaryReview => "start_preliminary_review",
        LabAct.PassPreliminaryReview => "pass_preliminary_review",
        LabAct.PassExpertReview => "pass_expert_review",
        LabAct.Reject => "reject",
        LabAct.Accredit => "accredit",
        LabAct.StartConstruction => "start_construction",
        LabAct.RequestAcceptance => "request_acceptance",
        LabAct.PassAcceptance => "pass_acceptance",
        LabAct.DeferAcceptance => "defer_acceptance",
        LabAct.CompleteRectification => "complete_rectification",
        LabAct.Evaluate => "evaluate",
        LabAct.RequestUpgrade => "request_upgrade",
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, null),
    };

    private static string? Text(string field, string? value, int maxLength, bool required = true) =>
        string.IsNullOrWhiteSpace(value)
            ? required ? $"{field} is required." : null
            : value.Length > maxLength ? $"{field} must be at most {maxLength} characters (it has {value.Length})." : null;

    private static string SnakeCase<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static IEnumerable<string> Duplicates(IEnumerable<string> values, string what) =>
        values.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => $"duplicate {what} '{g.Key}'.");
}
