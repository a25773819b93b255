using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Collaboration.Common.V1;
using Collaboration.Shared.Validation;
using Kind = Collaboration.Apprenticeships.V1.Cohort.Types.Kind;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Seeds;

/// <summary>Who performs an act of a cohort's history: an owner of the college, of the first sponsor, or a city admin.</summary>
public enum CohortParty
{
    College,
    Sponsor,
    Admin,
}

public sealed record SeedCohortSponsor(string Organization, DateOnly JoinedDate);

/// <summary>What an <c>amend</c> changes (UpdateCohort): the terms, and the details while they are still editable.</summary>
public sealed record CohortAmendment(int? Seats = null, int? PlacementCommitment = null, DateOnly? StartDate = null, DateOnly? EndDate = null,
    string? DisplayName = null, string? IndustrialCollegeName = null)
{
    public bool ChangesTerms => Seats is not null || PlacementCommitment is not null || StartDate is not null || EndDate is not null;

    public bool ChangesDetails => DisplayName is not null || IndustrialCollegeName is not null;

    /// <summary>The update mask paths, in the service's spelling.</summary>
    public IReadOnlyList<string> Paths() =>
    [
        .. Seats is null ? Array.Empty<string>() : ["seats"],
        .. PlacementCommitment is null ? Array.Empty<string>() : ["placement_commitment"],
        .. StartDate is null ? Array.Empty<string>() : ["start_date"],
        .. EndDate is null ? Array.Empty<string>() : ["end_date"],
        .. DisplayName is null ? Array.Empty<string>() : ["display_name"],
        .. IndustrialCollegeName is null ? Array.Empty<string>() : ["industrial_college_name"],
    ];
}

/// <summary>An act of a cohort's history in cohorts.json, performed by <see cref="By"/>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "act")]
[JsonDerivedType(typeof(Submit), "submit")]
[JsonDerivedType(typeof(Confirm), "confirm")]
[JsonDerivedType(typeof(Approve), "approve")]
[JsonDerivedType(typeof(OpenRecruitment), "openRecruitment")]
[JsonDerivedType(typeof(StartTraining), "startTraining")]
[JsonDerivedType(typeof(Graduate), "graduate")]
[JsonDerivedType(typeof(Close), "close")]
[JsonDerivedType(typeof(Cancel), "cancel")]
[JsonDerivedType(typeof(Amend), "amend")]
[JsonDerivedType(typeof(ImportRoster), "importRoster")]
public abstract record CohortAct(CohortParty By)
{
    public sealed record Submit(CohortParty By) : CohortAct(By);
    public sealed record Confirm(CohortParty By) : CohortAct(By);
    public sealed record Approve(CohortParty By) : CohortAct(By);
    public sealed record OpenRecruitment(CohortParty By) : CohortAct(By);
    public sealed record StartTraining(CohortParty By) : CohortAct(By);
    public sealed record Graduate(CohortParty By) : CohortAct(By);
    public sealed record Close(CohortParty By) : CohortAct(By);
    public sealed record Cancel(CohortParty By, string? Reason = null) : CohortAct(By);
    public sealed record Amend(CohortParty By, CohortAmendment Fields, string? Note = null) : CohortAct(By);

    /// <summary>ImportEnrolments of the generated learners, then the sponsor names their masters (enterprise mentors).</summary>
    public sealed record ImportRoster(CohortParty By) : CohortAct(By);

    /// <summary>Not in the JSON: once the cohort is in training, the college starts every learner, withdraws and completes the seeded counts.</summary>
    public sealed record RunLearners() : CohortAct(CohortParty.College);

    /// <summary>Not in the JSON: at the end, the sponsor records the placements and retention checks of the completed learners.</summary>
    public sealed record RecordPlacements() : CohortAct(CohortParty.Sponsor);
}

/// <summary>
/// Placements of completed learners, in learner order: <c>employer</c> is <c>sponsor</c> (the first sponsor), <c>sponsor2</c>
/// (the second), <c>declined</c> (offered by the first sponsor and declined) or a credit code (named by organizations.json or
/// <c>employerName</c>).
/// </summary>
public sealed record SeedPlacementGroup(string Employer, int Count, bool? InCity = null, DateOnly? StartDate = null, string? EmployerName = null)
{
    public bool IsDeclined => Employer == CohortPlan.Declined;
}

/// <summary>The retention check at <paramref name="Month"/> of the first <paramref name="Checked"/> employed learners.</summary>
public sealed record SeedRetention(int Month, int Checked, int StillEmployed, int SameEmployer);

/// <summary>The first <paramref name="Completed"/> learners complete, the last <paramref name="Withdrawn"/> withdraw.</summary>
public sealed record SeedLearnerOutcomes(int Completed = 0, int Withdrawn = 0, IReadOnlyList<SeedPlacementGroup>? Placements = null,
    IReadOnlyList<SeedRetention>? Retention = null)
{
    public IReadOnlyList<SeedPlacementGroup> PlacementGroups => Placements ?? [];

    public IReadOnlyList<SeedRetention> RetentionChecks => Retention ?? [];
}

public sealed record SeedLearners(int Count, string StudentNumberPrefix, int Seed, SeedLearnerOutcomes? Outcomes = null)
{
    public SeedLearnerOutcomes Results => Outcomes ?? new SeedLearnerOutcomes();
}

public sealed record SeedCohort(string Slug, Kind Kind, string DisplayName, string College, IReadOnlyList<SeedCohortSponsor> Sponsors,
    string MajorCode, string MajorCatalogueVersion, string OccupationCode, string IndustryChain, int Seats, int PlacementCommitment,
    DateOnly StartDate, DateOnly EndDate, CohortParty CreatedBy, IReadOnlyList<CohortAct> History, State State,
    string? IndustrialCollegeName = null, SeedLearners? Learners = null);

public sealed record LearnerGeneration(string Description, string DivisionCode, IReadOnlyList<string> Surnames, IReadOnlyList<string> GivenNames,
    IReadOnlyList<string> CollegeMentors, IReadOnlyList<string> EnterpriseMentors);

public sealed record CohortsFile(string Note, LearnerGeneration LearnerGeneration, string HowToLoad, IReadOnlyList<SeedCohort> Cohorts);

/// <summary>A generated, clearly fictional learner (1-based <paramref name="Index"/>).</summary>
public sealed record SeedLearner(int Index, string StudentNumber, string DisplayName, string IdentityNumber, string CollegeMentor, string EnterpriseMentor);

/// <summary>One step of a cohort's walk with the state it starts from and leads to, and its request-id key.</summary>
public sealed record PlannedCohortStep(CohortAct Act, State From, State To, string Key);

/// <summary>cohorts.json, read and checked, with the generated learners of each cohort.</summary>
public sealed record CohortSeeds(CohortsFile File, IReadOnlyDictionary<string, IReadOnlyList<SeedLearner>> Learners)
{
    public IReadOnlyList<SeedCohort> Cohorts => File.Cohorts;
}

/// <summary>
/// The cohort rules as the seeds assume them (the Apprenticeship Classes service owns the real ones: CohortLifecycle,
/// CohortsGrpcService, RosterImport): who may act, the two-party lifecycle with amendments, the roster's rules, and the
/// generation of the fictional learners. The loader refuses seeds that break them before writing any cohort.
/// </summary>
public static class CohortPlan
{
    public const string FileName = "cohorts.json";
    public const string OccupationsFileName = "occupation-codes.json";
    public const string Sponsor = "sponsor";
    public const string SecondSponsor = "sponsor2";
    public const string Declined = "declined";
    public const string FictionalMark = "（虚构）";

    // The service's limits.
    private const int MaxNameLength = 200;
    private const int MaxChainLength = 64;
    private const int MaxReasonLength = 2000;
    private const int MaxSeats = 100_000;
    private const int MaxStudentNumberLength = 32;
    private const int MaxPersonNameLength = 100;
    private static readonly int[] RetentionMonths = [6, 12, 24];
    private static readonly int[] IdentityWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string IdentityCheckCharacters = "10X98765432";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowOutOfOrderMetadataProperties = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>The key of a step: <c>cohort/{slug}/{step}</c>.</summary>
    public static string Key(SeedCohort cohort, string step) => $"cohort/{cohort.Slug}/{step}";

    /// <summary>
    /// cohorts.json from <paramref name="directory"/>, checked against the organisations, industry chains, major catalogue and
    /// occupation codes; null when the file is not there. Invalid seeds end the run with exit code 2.
    /// </summary>
    public static CohortSeeds? Load(string directory, SeedData data)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        var file = Read<CohortsFile>(path);
        var cataloguePath = Path.Combine(directory, CollegePlan.CatalogueFileName);
        var catalogue = File.Exists(cataloguePath) ? Read<MajorCatalogueFile>(cataloguePath) : null;
        var occupationsPath = Path.Combine(directory, OccupationsFileName);
        var occupations = File.Exists(occupationsPath) ? ReadOccupations(occupationsPath) : null;
        var problems = Check(file, data, catalogue, occupations).ToList();
        var learners = new Dictionary<string, IReadOnlyList<SeedLearner>>(StringComparer.Ordinal);
        if (problems.Count == 0)
        {
            foreach (var cohort in file.Cohorts)
            {
                learners[cohort.Slug] = Generate(file.LearnerGeneration, cohort);
            }
            problems.AddRange(CheckLearners(file, learners));
        }
        if (problems.Count > 0)
        {
            throw new SeedException($"the seed data in {directory} is invalid:{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", problems), SeedException.InvalidData);
        }
        return new CohortSeeds(file, learners);
    }

    /// <summary>The generated learners of a cohort, as learnerGeneration in cohorts.json describes them.</summary>
    public static IReadOnlyList<SeedLearner> Generate(LearnerGeneration spec, SeedCohort cohort)
    {
        if (cohort.Learners is not { } learners)
        {
            return [];
        }
        var born = new DateOnly(cohort.StartDate.Year - 18, 1, 1);
        return Enumerable.Range(1, learners.Count).Select(i =>
        {
            var birthDate = born.AddDays((((i - 1) * 7) + learners.Seed) % 365);
            var serial = (100 + (learners.Seed * 37) + i) % 1000;
            var first17 = spec.DivisionCode + birthDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + serial.ToString("D3", CultureInfo.InvariantCulture);
            return new SeedLearner(
                i,
                learners.StudentNumberPrefix + i.ToString("D4", CultureInfo.InvariantCulture),
                spec.Surnames[(i - 1) % spec.Surnames.Count] + spec.GivenNames[(((i - 1) / spec.Surnames.Count) + learners.Seed) % spec.GivenNames.Count] + FictionalMark,
                first17 + IdentityCheckCharacter(first17),
                spec.CollegeMentors[(i - 1) % spec.CollegeMentors.Count],
                spec.EnterpriseMentors[(i - 1) % spec.EnterpriseMentors.Count]);
        }).ToList();
    }

    /// <summary>The GB 11643 check character of 17 digits.</summary>
    public static char IdentityCheckCharacter(string first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * IdentityWeights[i];
        }
        return IdentityCheckCharacters[sum % 11];
    }

    /// <summary>
    /// The walk of a cohort: its history in order, with the learners' own lifecycle (start, withdraw, complete) once the cohort
    /// is in training and has its roster, and the placements at the end.
    /// </summary>
    public static IReadOnlyList<PlannedCohortStep> Walk(SeedCohort cohort) => Walk(cohort, []);

    private static List<PlannedCohortStep> Walk(SeedCohort cohort, List<string> problems)
    {
        var steps = new List<PlannedCohortStep>();
        var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
        var state = State.Draft;
        var (seats, commitment, start, end) = (cohort.Seats, cohort.PlacementCommitment, cohort.StartDate, cohort.EndDate);
        var imported = false;
        var trained = false;
        var learnersRun = false;
        foreach (var act in cohort.History)
        {
            var name = Describe(act);
            if (!IsAllowed(act))
            {
                problems.Add($"'{name}' is not done by the {ClaimParty(act.By)}.");
                return steps;
            }
            State? next;
            if (act is CohortAct.Amend amend)
            {
                var fields = amend.Fields;
                var terms = (fields.Seats ?? seats, fields.PlacementCommitment ?? commitment, fields.StartDate ?? start, fields.EndDate ?? end);
                var termsChange = terms != (seats, commitment, start, end);
                if (!fields.ChangesTerms && !fields.ChangesDetails)
                {
                    problems.Add("an 'amend' must list at least one field.");
                }
                if (fields.ChangesDetails && !DetailsEditable(state))
                {
                    problems.Add($"'amend' of the details is not allowed while the cohort is {ClaimState(state)}.");
                }
                if (fields.ChangesTerms && !termsChange)
                {
                    problems.Add("'amend' lists terms that are already in force (the loader recognises a done amendment by its values).");
                }
                (seats, commitment, start, end) = terms;
                CheckTerms(seats, commitment, start, end, "after 'amend'", problems);
                next = termsChange ? AmendNext(state, act.By) : (DetailsEditable(state) ? state : null);
            }
            else if (act is CohortAct.ImportRoster)
            {
                next = AcceptsEnrolments(state) ? state : null;
                if (cohort.Learners is null)
                {
                    problems.Add("'importRoster' needs 'learners'.");
                }
                else if (cohort.Learners.Count > seats)
                {
                    problems.Add($"the roster of {cohort.Learners.Count} learners does not fit {seats} seats.");
                }
                imported = true;
            }
            else
            {
                next = Next(act, state);
            }
            if (next is null)
            {
                problems.Add($"'{name}' is not allowed while the cohort is {ClaimState(state)}.");
                return steps;
            }
            var count = occurrences[name] = occurrences.GetValueOrDefault(name) + 1;
            var key = act is CohortAct.ImportRoster ? "roster/import" : $"{name}/{count}";
            steps.Add(new PlannedCohortStep(act, state, next.Value, Key(cohort, key)));
            state = next.Value;
            trained |= act is CohortAct.StartTraining;
            if (imported && trained && !learnersRun && cohort.Learners is not null)
            {
                if (state != State.InTraining)
                {
                    problems.Add($"the learners are started while the cohort is in training, but it is {ClaimState(state)} after '{name}'.");
                }
                steps.Add(new PlannedCohortStep(new CohortAct.RunLearners(), state, state, Key(cohort, "learners")));
                learnersRun = true;
            }
        }
        if (state != cohort.State)
        {
            problems.Add($"the history ends in {ClaimState(state)} but \"state\" says {ClaimState(cohort.State)}.");
        }
        var outcomes = cohort.Learners?.Results;
        if (outcomes is { Completed: > 0 } or { Withdrawn: > 0 } && !learnersRun)
        {
            problems.Add("learner outcomes need a history that imports the roster and starts the training.");
        }
        if (outcomes is not null && (outcomes.PlacementGroups.Count > 0 || outcomes.RetentionChecks.Count > 0))
        {
            steps.Add(new PlannedCohortStep(new CohortAct.RecordPlacements(), state, state, Key(cohort, "placements")));
        }
        return steps;
    }

    /// <summary>The state after a lifecycle act (the service's CohortLifecycle), or null when it is not allowed from <paramref name="from"/>.</summary>
    public static State? Next(CohortAct act, State from) => (act, from) switch
    {
        (CohortAct.Submit { By: CohortParty.College }, State.Draft) => State.AwaitingEnterprise,
        (CohortAct.Submit { By: CohortParty.Sponsor }, State.Draft) => State.AwaitingCollege,
        (CohortAct.Confirm { By: CohortParty.Sponsor }, State.AwaitingEnterprise) => State.Agreed,
        (CohortAct.Confirm { By: CohortParty.College }, State.AwaitingCollege) => State.Agreed,
        (CohortAct.Approve, State.Agreed) => State.Approved,
        (CohortAct.OpenRecruitment, State.Approved) => State.Recruiting,
        (CohortAct.StartTraining, State.Recruiting) => State.InTraining,
        (CohortAct.Graduate, State.InTraining) => State.Graduated,
        (CohortAct.Close, State.Graduated) => State.Closed,
        (CohortAct.Cancel, State.Draft or State.AwaitingEnterprise or State.AwaitingCollege or State.Agreed or State.Approved
            or State.Recruiting or State.InTraining) => State.Cancelled,
        _ => null,
    };

    /// <summary>The state after a party changes the terms: the other party confirms.</summary>
    public static State? AmendNext(State from, CohortParty by) => (from, by) switch
    {
        (State.Draft, _) => State.Draft,
        (State.AwaitingEnterprise, CohortParty.Sponsor) => State.AwaitingCollege,
        (State.AwaitingEnterprise, CohortParty.College) => State.AwaitingEnterprise,
        (State.AwaitingCollege, CohortParty.College) => State.AwaitingEnterprise,
        (State.AwaitingCollege, CohortParty.Sponsor) => State.AwaitingCollege,
        (State.Agreed or State.Approved or State.Recruiting, CohortParty.College) => State.AwaitingEnterprise,
        (State.Agreed or State.Approved or State.Recruiting, CohortParty.Sponsor) => State.AwaitingCollege,
        _ => null,
    };

    /// <summary>Admins approve; the college runs the cohort and imports the roster; both parties submit, confirm, amend and cancel; the college or an admin closes.</summary>
    public static bool IsAllowed(CohortAct act) => act switch
    {
        CohortAct.Approve => act.By == CohortParty.Admin,
        CohortAct.Submit or CohortAct.Confirm or CohortAct.Amend => act.By is CohortParty.College or CohortParty.Sponsor,
        CohortAct.OpenRecruitment or CohortAct.StartTraining or CohortAct.Graduate or CohortAct.ImportRoster => act.By == CohortParty.College,
        CohortAct.Close => act.By is CohortParty.College or CohortParty.Admin,
        CohortAct.Cancel => true,
        _ => false,
    };

    public static bool DetailsEditable(State state) => state is State.Draft or State.AwaitingEnterprise or State.AwaitingCollege;

    public static bool AcceptsEnrolments(State state) => state is State.Approved or State.Recruiting or State.InTraining;

    public static string Describe(CohortAct act) => act switch
    {
        CohortAct.Submit => "submit",
        CohortAct.Confirm => "confirm",
        CohortAct.Approve => "approve",
        CohortAct.OpenRecruitment => "openRecruitment",
        CohortAct.StartTraining => "startTraining",
        CohortAct.Graduate => "graduate",
        CohortAct.Close => "close",
        CohortAct.Cancel => "cancel",
        CohortAct.Amend => "amend",
        CohortAct.ImportRoster => "importRoster",
        CohortAct.RunLearners => "learners",
        CohortAct.RecordPlacements => "placements",
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, null),
    };

    public static string ClaimState(State state) => JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());

    public static string ClaimParty(CohortParty party) => JsonNamingPolicy.SnakeCaseLower.ConvertName(party.ToString());

    /// <summary>The credit code a placement group's employer names (sponsor, sponsor2 or a code); null for declined offers.</summary>
    public static string? EmployerCode(SeedCohort cohort, SeedPlacementGroup group) => group.Employer switch
    {
        Declined => null,
        Sponsor => cohort.Sponsors[0].Organization,
        SecondSponsor => cohort.Sponsors.Count > 1 ? cohort.Sponsors[1].Organization : null,
        var code => code,
    };

    /// <summary>Everything wrong with cohorts.json, checked against the organisations, chains, major catalogue and occupation codes.</summary>
    public static IEnumerable<string> Check(CohortsFile file, SeedData data, MajorCatalogueFile? catalogue, IReadOnlySet<string>? occupations)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(file.Note))
        {
            problems.Add("the \"note\" must say that this is sample data.");
        }
        problems.AddRange(CheckGeneration(file.LearnerGeneration));
        problems.AddRange(Duplicates(file.Cohorts.Select(c => c.Slug), "cohort slug"));
        // A rerun finds a cohort by college and display name.
        problems.AddRange(Duplicates(file.Cohorts.Select(c => $"{c.College} {c.DisplayName.Trim()}"), "college and display name"));
        var chains = data.OrganizationsFile.IndustryChains.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var cohort in file.Cohorts)
        {
            problems.AddRange(CheckCohort(cohort, data.Organizations, chains, catalogue, occupations).Select(p => $"{cohort.Slug}: {p}"));
        }
        return problems.Select(p => $"{FileName}: {p}");
    }

    private static IEnumerable<string> CheckGeneration(LearnerGeneration spec)
    {
        if (spec.DivisionCode.Length != 6 || !spec.DivisionCode.All(char.IsAsciiDigit))
        {
            yield return "learnerGeneration.divisionCode must be 6 digits.";
        }
        if (spec.Surnames.Count == 0 || spec.GivenNames.Count == 0 || spec.CollegeMentors.Count == 0 || spec.EnterpriseMentors.Count == 0)
        {
            yield return "learnerGeneration needs surnames, givenNames, collegeMentors and enterpriseMentors.";
        }
        foreach (var mentor in spec.CollegeMentors.Concat(spec.EnterpriseMentors).Where(m => !m.EndsWith(FictionalMark, StringComparison.Ordinal)))
        {
            yield return $"learnerGeneration: the mentor '{mentor}' must be marked {FictionalMark}.";
        }
    }

    private static List<string> CheckCohort(SeedCohort cohort, IReadOnlyDictionary<string, SeedOrganization> organizations, IReadOnlySet<string> chains,
        MajorCatalogueFile? catalogue, IReadOnlySet<string>? occupations)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(cohort.Slug) || !cohort.Slug.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            problems.Add("the slug must be lower-case letters, digits and '-'.");
        }
        if (cohort.Kind == Kind.Unspecified)
        {
            problems.Add("kind must be order_class or apprenticeship.");
        }
        if (cohort.State == State.Unspecified)
        {
            problems.Add("state is required.");
        }
        problems.AddRange(new[]
        {
            Text("displayName", cohort.DisplayName, MaxNameLength, required: true),
            Text("industrialCollegeName", cohort.IndustrialCollegeName, MaxNameLength, required: false),
            Text("industryChain", cohort.IndustryChain, MaxChainLength, required: true),
        }.OfType<string>());
        if (!chains.Contains(cohort.IndustryChain))
        {
            problems.Add($"unknown industry chain '{cohort.IndustryChain}' (not in {SeedData.OrganizationsFileName}).");
        }
        if (!organizations.TryGetValue(cohort.College, out var college))
        {
            problems.Add($"the college {cohort.College} is not in {SeedData.OrganizationsFileName}.");
        }
        else if (college.Kind is not (OrganizationKind.VocationalCollege or OrganizationKind.University))
        {
            problems.Add($"the college {college.Name} ({SeedData.ClaimKind(college.Kind)}) must be a vocational college or a university.");
        }
        if (cohort.Sponsors.Count == 0)
        {
            problems.Add("name at least one sponsor.");
        }
        problems.AddRange(Duplicates(cohort.Sponsors.Select(s => s.Organization), "sponsor"));
        foreach (var sponsor in cohort.Sponsors)
        {
            if (!organizations.TryGetValue(sponsor.Organization, out var organization))
            {
                problems.Add($"the sponsor {sponsor.Organization} is not in {SeedData.OrganizationsFileName}.");
            }
            else if (organization.Kind != OrganizationKind.Enterprise)
            {
                problems.Add($"the sponsor {organization.Name} must be an enterprise.");
            }
        }
        problems.AddRange(CheckCodes(cohort, catalogue, occupations));
        CheckTerms(cohort.Seats, cohort.PlacementCommitment, cohort.StartDate, cohort.EndDate, "at creation", problems);
        if (cohort.CreatedBy == CohortParty.Admin)
        {
            problems.Add("createdBy must be the college or the sponsor.");
        }
        foreach (var cancel in cohort.History.OfType<CohortAct.Cancel>())
        {
            if (Text("cancel reason", cancel.Reason, MaxReasonLength, required: false) is { } problem)
            {
                problems.Add(problem);
            }
        }
        var steps = Walk(cohort, problems);
        if (cohort.Learners is { } learners)
        {
            problems.AddRange(CheckLearnerSpec(cohort, learners, organizations));
        }
        else if (steps.Any(s => s.Act is CohortAct.ImportRoster))
        {
            problems.Add("'importRoster' needs 'learners'.");
        }
        return problems.Distinct().ToList();
    }

    private static IEnumerable<string> CheckCodes(SeedCohort cohort, MajorCatalogueFile? catalogue, IReadOnlySet<string>? occupations)
    {
        if (catalogue is not null)
        {
            if (!int.TryParse(cohort.MajorCatalogueVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var year)
                || catalogue.Editions.All(e => e.Year != year))
            {
                yield return $"majorCatalogueVersion '{cohort.MajorCatalogueVersion}' is not an edition of {CollegePlan.CatalogueFileName} "
                    + $"({string.Join(", ", catalogue.Editions.Select(e => e.Year))}).";
            }
            else if (new SeedMajorCatalogue(catalogue).Check(year, cohort.MajorCode) is { } problem)
            {
                yield return $"major {problem}";
            }
        }
        if (occupations is not null && !occupations.Contains(cohort.OccupationCode))
        {
            yield return $"occupation '{cohort.OccupationCode}' is not in {OccupationsFileName}.";
        }
    }

    private static void CheckTerms(int seats, int commitment, DateOnly start, DateOnly end, string when, List<string> problems)
    {
        if (seats is < 1 or > MaxSeats)
        {
            problems.Add($"seats must be 1–{MaxSeats} ({when}).");
        }
        if (commitment < 0 || commitment > seats)
        {
            problems.Add($"placementCommitment must be 0–seats ({when}).");
        }
        if (end <= start)
        {
            problems.Add($"endDate must be after startDate ({when}).");
        }
    }

    private static IEnumerable<string> CheckLearnerSpec(SeedCohort cohort, SeedLearners learners, IReadOnlyDictionary<string, SeedOrganization> organizations)
    {
        if (learners.Count is < 1 or > 9999)
        {
            yield return "learners.count must be 1–9999.";
        }
        if (learners.Seed < 0)
        {
            yield return "learners.seed must not be negative.";
        }
        var prefix = learners.StudentNumberPrefix;
        if (prefix.Length + 4 > MaxStudentNumberLength || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            yield return $"learners.studentNumberPrefix may hold only letters, digits and '-', at most {MaxStudentNumberLength - 4} of them.";
        }
        var outcomes = learners.Results;
        if (outcomes.Completed < 0 || outcomes.Withdrawn < 0 || outcomes.Completed + outcomes.Withdrawn > learners.Count)
        {
            yield return "learners.outcomes: completed and withdrawn must not be negative and together not exceed the count.";
        }
        var placed = 0;
        var employed = 0;
        foreach (var group in outcomes.PlacementGroups)
        {
            placed += group.Count;
            if (group.Count < 1)
            {
                yield return $"placement group {group.Employer}: count must be at least 1.";
            }
            if (group.IsDeclined)
            {
                continue;
            }
            employed += group.Count;
            if (group.InCity is null || group.StartDate is null)
            {
                yield return $"placement group {group.Employer}: inCity and startDate are required.";
            }
            else if (group.StartDate < cohort.StartDate)
            {
                yield return $"placement group {group.Employer}: employment starts before the cohort.";
            }
            var code = EmployerCode(cohort, group);
            if (code is null)
            {
                yield return $"placement group {group.Employer}: the cohort has no second sponsor.";
            }
            else if (CreditCode.Check(code) is { } problem)
            {
                yield return $"placement group {group.Employer}: credit code {problem}";
            }
            else if (!organizations.ContainsKey(code) && string.IsNullOrWhiteSpace(group.EmployerName))
            {
                yield return $"placement group {group.Employer}: an employer not in {SeedData.OrganizationsFileName} needs an employerName.";
            }
            else if (Text("employerName", group.EmployerName, MaxNameLength, required: false) is { } tooLong)
            {
                yield return $"placement group {group.Employer}: {tooLong}";
            }
        }
        if (placed > outcomes.Completed)
        {
            yield return $"learners.outcomes: {placed} placements for {outcomes.Completed} completed learners.";
        }
        foreach (var duplicate in Duplicates(outcomes.RetentionChecks.Select(r => r.Month.ToString(CultureInfo.InvariantCulture)), "retention month"))
        {
            yield return duplicate;
        }
        foreach (var check in outcomes.RetentionChecks)
        {
            if (!RetentionMonths.Contains(check.Month))
            {
                yield return $"retention month {check.Month}: must be one of {string.Join(", ", RetentionMonths)}.";
            }
            if (check.Checked > employed || check.SameEmployer < 0 || check.SameEmployer > check.StillEmployed || check.StillEmployed > check.Checked)
            {
                yield return $"retention month {check.Month}: needs 0 ≤ sameEmployer ≤ stillEmployed ≤ checked ≤ employed ({employed}).";
            }
        }
    }

    /// <summary>What the service would refuse in the generated rosters: bad numbers, names, and student numbers shared within a college.</summary>
    private static IEnumerable<string> CheckLearners(CohortsFile file, IReadOnlyDictionary<string, IReadOnlyList<SeedLearner>> learners)
    {
        foreach (var cohort in file.Cohorts)
        {
            var roster = learners[cohort.Slug];
            foreach (var duplicate in Duplicates(roster.Select(l => l.IdentityNumber), "generated identity number"))
            {
                yield return $"{FileName}: {cohort.Slug}: {duplicate}";
            }
            foreach (var learner in roster.Where(l => l.DisplayName.Length > MaxPersonNameLength || l.CollegeMentor.Length > MaxPersonNameLength
                || l.EnterpriseMentor.Length > MaxPersonNameLength))
            {
                yield return $"{FileName}: {cohort.Slug}: learner {learner.Index}: a name is longer than {MaxPersonNameLength} characters.";
            }
        }
        foreach (var college in file.Cohorts.GroupBy(c => c.College))
        {
            foreach (var duplicate in Duplicates(college.SelectMany(c => learners[c.Slug].Select(l => l.StudentNumber)), "student number"))
            {
                yield return $"{FileName}: college {college.Key}: {duplicate} (student numbers are unique within a college)";
            }
        }
    }

    private static string? Text(string field, string? value, int maxLength, bool required) =>
        string.IsNullOrWhiteSpace(value)
            ? (required ? $"{field} is required." : null)
            : value.Trim().Length > maxLength ? $"{field} must be at most {maxLength} characters." : null;

    private static IEnumerable<string> Duplicates(IEnumerable<string> values, string what) =>
        values.GroupBy(v => v, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"duplicate {what} '{g.Key}'.");

    private static HashSet<string> ReadOccupations(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            return document.RootElement.GetProperty("codes").EnumerateArray()
                .Select(c => c.GetProperty("code").GetString() ?? "").ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new SeedException($"{path} is not a valid occupation code list: {e.Message}", SeedException.InvalidData);
        }
    }

    private static T Read<T>(string path)
    {
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
}
