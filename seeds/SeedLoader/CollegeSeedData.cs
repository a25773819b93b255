using System.Text.Json;
using System.Text.Json.Serialization;
using Collaboration.Common.V1;
using Collaboration.Shared.Data;
using Role = Collaboration.Colleges.V1.Partner.Types.Role;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.Seeds;

/// <summary>A partner enterprise; one with a left date is removed after its contributions are created, so they stay on record.</summary>
public sealed record SeedCollegePartner(string Organization, Role Role, DateOnly JoinedDate, DateOnly? LeftDate = null);

public sealed record SeedCourse(string Slug, string Title, int Hours, string Enterprise, IReadOnlyList<string> MajorCodes);

public sealed record SeedTrainingBase(string Slug, string DisplayName, string Enterprise, string Address, int Capacity);

public sealed record SeedMentor(string Slug, string DisplayName, string Enterprise, string Specialty, string Title = "");

/// <summary>An annual report; a graduates cohort year of 0 means the report's own year.</summary>
public sealed record SeedReport(int Year, int Enrolment, int Graduates, int CoursesDelivered, int CoDevelopedCoursesDelivered,
    int MentorHours, int TraineesHosted, int GraduatesCohortYear = 0, bool Accepted = false)
{
    public int CohortYear => GraduatesCohortYear == 0 ? Year : GraduatesCohortYear;
}

/// <summary>An act of a college's history in industrial-colleges.json; the host submits and opens, the city's admins do the rest.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "act")]
[JsonDerivedType(typeof(CollegeAct.Submit), "submit")]
[JsonDerivedType(typeof(CollegeAct.Return), "return")]
[JsonDerivedType(typeof(CollegeAct.Approve), "approve")]
[JsonDerivedType(typeof(CollegeAct.Open), "open")]
[JsonDerivedType(typeof(CollegeAct.StartReview), "start_review")]
[JsonDerivedType(typeof(CollegeAct.Reinstate), "reinstate")]
[JsonDerivedType(typeof(CollegeAct.Close), "close")]
public abstract record CollegeAct
{
    public sealed record Submit : CollegeAct;
    public sealed record Return(string Reason) : CollegeAct;
    public sealed record Approve : CollegeAct;
    public sealed record Open : CollegeAct;
    public sealed record StartReview(string Reason) : CollegeAct;
    public sealed record Reinstate : CollegeAct;
    public sealed record Close(string? Reason = null) : CollegeAct;
}

public sealed record SeedCollege(string Slug, string DisplayName, string DisplayNameEn, string Host, string IndustryChain,
    int AnnualEnrolmentCapacity, int MajorCatalogueYear, IReadOnlyList<string> Majors, IReadOnlyList<SeedCollegePartner> Partners,
    IReadOnlyList<SeedCourse> Courses, IReadOnlyList<SeedTrainingBase> TrainingBases, IReadOnlyList<SeedMentor> Mentors,
    IReadOnlyList<CollegeAct> History, State State, IReadOnlyList<SeedReport> Reports);

public sealed record CollegesFile(string Note, IReadOnlyList<SeedCollege> IndustrialColleges);

public sealed record SeedMajor(string Code, string Title);

public sealed record SeedMajorEdition(int Year, IReadOnlyList<SeedMajor> Added, IReadOnlyList<string> Withdrawn);

public sealed record MajorCatalogueFile(string Note, IReadOnlyList<SeedMajorEdition> Editions);

/// <summary>
/// major-catalogue.json as the Industrial Colleges service reads it (it embeds the same file): each edition adds
/// and withdraws codes, and a catalogue year means the latest edition of that year or earlier.
/// </summary>
public sealed class SeedMajorCatalogue
{
    private readonly SortedList<int, HashSet<string>> _editions = [];

    public SeedMajorCatalogue(MajorCatalogueFile file)
    {
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var edition in file.Editions.OrderBy(e => e.Year))
        {
            current.ExceptWith(edition.Withdrawn);
            current.UnionWith(edition.Added.Select(m => m.Code));
            _editions[edition.Year] = [.. current];
        }
    }

    public int? FirstYear => _editions.Count == 0 ? null : _editions.Keys[0];

    /// <summary>Null when <paramref name="code"/> is in the catalogue in force in <paramref name="year"/>; otherwise why not.</summary>
    public string? Check(int year, string code)
    {
        var edition = _editions.LastOrDefault(e => e.Key <= year);
        if (edition.Value is null)
        {
            return $"no major catalogue is in force in {year}.";
        }
        return edition.Value.Contains(code) ? null : $"'{code}' is not in the {year} major catalogue ({CollegePlan.CatalogueFileName}).";
    }
}

/// <summary>One act of a college's history with the state it starts from and leads to, and its request-id key.</summary>
public sealed record PlannedCollegeStep(CollegeAct Act, State From, State To, string Key);

/// <summary>
/// How a college is walked: its <paramref name="Steps"/> in order, with its contents (contributions, then partner
/// departures, then reports) placed before step <paramref name="ContentsAt"/> (the end of the history, or its
/// closure), where the college is in <paramref name="ContentsFrom"/>.
/// </summary>
public sealed record CollegeWalk(IReadOnlyList<PlannedCollegeStep> Steps, int ContentsAt, State ContentsFrom);

/// <summary>
/// The industrial college rules as the seeds assume them (the Industrial Colleges service owns the real ones):
/// who may host and partner, the lifecycle, majors by catalogue year, what a contribution and a report must
/// hold. The loader walks the plan and refuses seeds that break these rules before writing anything.
/// </summary>
public static class CollegePlan
{
    public const string FileName = "industrial-colleges.json";
    public const string CatalogueFileName = "major-catalogue.json";

    // The service's limits (IndustrialCollegesGrpcService, ReportRules).
    private const int MaxNameLength = 200;
    private const int MaxChainLength = 64;
    private const int MaxReasonLength = 2000;
    private const int MaxAddressLength = 500;
    private const int MaxShortTextLength = 100;
    private const int MaxCapacity = 1_000_000;
    private const int MaxCourseHours = 2000;
    private const int MaxMajors = 100;
    private const int FirstReportYear = 2000;
    private const int MaxFigure = 10_000_000;

    /// <summary>The key of a step: <c>college/{slug}/{step}</c>.</summary>
    public static string Key(SeedCollege college, string step) => $"college/{college.Slug}/{step}";

    public static CollegeWalk Walk(SeedCollege college) => Walk(college, []);

    /// <summary>The host submits and opens; the city's admins return, approve, start reviews, reinstate and close.</summary>
    public static bool IsHostAct(CollegeAct act) => act is CollegeAct.Submit or CollegeAct.Open;

    /// <summary>The host changes partners except while the city examines a submission or after closure.</summary>
    public static bool IsEditable(State state) => state is State.Planning or State.Approved or State.Operating or State.UnderReview;

    /// <summary>Reports are filed once the college is approved, and until it closes.</summary>
    public static bool TakesReports(State state) => state is State.Approved or State.Operating or State.UnderReview;

    /// <summary>The state after <paramref name="act"/>, or null when the act is not allowed from <paramref name="from"/>.</summary>
    public static State? Next(CollegeAct act, State from) => (act, from) switch
    {
        (CollegeAct.Submit, State.Planning) => State.Submitted,
        (CollegeAct.Return, State.Submitted) => State.Planning,
        (CollegeAct.Approve, State.Submitted) => State.Approved,
        (CollegeAct.Open, State.Approved) => State.Operating,
        (CollegeAct.StartReview, State.Operating) => State.UnderReview,
        (CollegeAct.Reinstate, State.UnderReview) => State.Operating,
        (CollegeAct.Close, State.Operating or State.UnderReview) => State.Closed,
        _ => null,
    };

    public static string Describe(CollegeAct act) => act switch
    {
        CollegeAct.Submit => "submit",
        CollegeAct.Return => "return",
        CollegeAct.Approve => "approve",
        CollegeAct.Open => "open",
        CollegeAct.StartReview => "start_review",
        CollegeAct.Reinstate => "reinstate",
        CollegeAct.Close => "close",
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, null),
    };

    public static string ClaimState(State state) => JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());

    /// <summary>Everything wrong with the seeded colleges, checked against the organisations, the industry chains and the major catalogue (when there is one).</summary>
    public static IEnumerable<string> Check(IReadOnlyList<SeedCollege> colleges, IReadOnlyDictionary<string, SeedOrganization> organizations,
        IReadOnlySet<string> industryChains, SeedMajorCatalogue? catalogue)
    {
        var problems = new List<string>();
        problems.AddRange(Duplicates(colleges.Select(c => c.Slug), "college slug").Select(p => $"{FileName}: {p}"));
        // The service keeps names unique (ignoring case) among colleges that are not closed; re-runs find a college by host and name.
        problems.AddRange(Duplicates(colleges.Select(c => c.DisplayName.Trim().ToLowerInvariant()), "college display name").Select(p => $"{FileName}: {p}"));
        foreach (var college in colleges)
        {
            problems.AddRange(CheckCollege(college, organizations, industryChains, catalogue).Select(p => $"{FileName}: {college.Slug}: {p}"));
        }
        return problems;
    }

    private static IEnumerable<string> CheckCollege(SeedCollege college, IReadOnlyDictionary<string, SeedOrganization> organizations,
        IReadOnlySet<string> industryChains, SeedMajorCatalogue? catalogue)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(college.Slug))
        {
            problems.Add("the slug is required.");
        }
        if (college.State == State.Unspecified)
        {
            problems.Add("state is required.");
        }
        problems.AddRange(new[]
        {
            Text("displayName", college.DisplayName, MaxNameLength),
            Text("industryChain", college.IndustryChain, MaxChainLength),
        }.OfType<string>());
        if (!industryChains.Contains(college.IndustryChain))
        {
            problems.Add($"unknown industry chain '{college.IndustryChain}' (not in {SeedData.OrganizationsFileName}).");
        }
        if (!organizations.TryGetValue(college.Host, out var host))
        {
            problems.Add($"the host {college.Host} is not in {SeedData.OrganizationsFileName}.");
        }
        else if (host.Kind is not (OrganizationKind.VocationalCollege or OrganizationKind.University))
        {
            problems.Add($"the host {host.Name} ({SeedData.ClaimKind(host.Kind)}) must be a vocational college or a university.");
        }
        if (college.AnnualEnrolmentCapacity is < 1 or > MaxCapacity)
        {
            problems.Add($"annualEnrolmentCapacity must be 1–{MaxCapacity}.");
        }
        problems.AddRange(CheckMajors(college, catalogue));
        problems.AddRange(CheckPartners(college, organizations));
        problems.AddRange(CheckContributions(college));
        problems.AddRange(CheckReports(college));
        Walk(college, problems);
        return problems;
    }

    private static IEnumerable<string> CheckMajors(SeedCollege college, SeedMajorCatalogue? catalogue)
    {
        var latest = Dates.Today.Year + 1;
        if (college.MajorCatalogueYear <= 0)
        {
            yield return "majorCatalogueYear is required.";
        }
        else if (college.MajorCatalogueYear > latest)
        {
            yield return $"majorCatalogueYear must not be after {latest}.";
        }
        else if (catalogue?.FirstYear is { } first && college.MajorCatalogueYear < first)
        {
            yield return $"majorCatalogueYear must not be before {first}, the first edition in {CatalogueFileName}.";
        }
        if (college.Majors.Count > MaxMajors)
        {
            yield return $"at most {MaxMajors} majors.";
        }
        foreach (var duplicate in Duplicates(college.Majors, "major"))
        {
            yield return duplicate;
        }
        foreach (var code in college.Majors.Distinct())
        {
            if (catalogue?.Check(college.MajorCatalogueYear, code) is { } problem)
            {
                yield return $"major {problem}";
            }
        }
    }

    private static IEnumerable<string> CheckPartners(SeedCollege college, IReadOnlyDictionary<string, SeedOrganization> organizations)
    {
        foreach (var duplicate in Duplicates(college.Partners.Select(p => p.Organization), "partner"))
        {
            yield return duplicate;
        }
        foreach (var partner in college.Partners)
        {
            if (!organizations.TryGetValue(partner.Organization, out var organization))
            {
                yield return $"partner {partner.Organization} is not in {SeedData.OrganizationsFileName}.";
            }
            else if (organization.Kind != OrganizationKind.Enterprise)
            {
                yield return $"partner {organization.Name} must be an enterprise.";
            }
            if (partner.Role is not (Role.FoundingPartner or Role.Partner))
            {
                yield return $"partner {partner.Organization}: role must be founding_partner or partner.";
            }
            if (partner.LeftDate < partner.JoinedDate)
            {
                yield return $"partner {partner.Organization} leaves before it joined.";
            }
        }
    }

    private static IEnumerable<string> CheckContributions(SeedCollege college)
    {
        // Contributions are made while every listed partner is still current, in the partner's own name.
        var partners = college.Partners.Select(p => p.Organization).ToHashSet(StringComparer.Ordinal);
        var majors = college.Majors.ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        // Re-runs match what exists by enterprise and name, so two alike would be one.
        problems.AddRange(Duplicates(college.Courses.Select(c => c.Slug), "course slug"));
        problems.AddRange(Duplicates(college.Courses.Select(c => $"{c.Enterprise}: {c.Title.Trim()}"), "course"));
        problems.AddRange(Duplicates(college.TrainingBases.Select(b => b.Slug), "training base slug"));
        problems.AddRange(Duplicates(college.TrainingBases.Select(b => $"{b.Enterprise}: {b.DisplayName.Trim()}"), "training base"));
        problems.AddRange(Duplicates(college.Mentors.Select(m => m.Slug), "mentor slug"));
        problems.AddRange(Duplicates(college.Mentors.Select(m => $"{m.Enterprise}: {m.DisplayName.Trim()}"), "mentor"));
        foreach (var course in college.Courses)
        {
            var where = $"course {course.Slug}";
            problems.AddRange(new[] { Text("title", course.Title, MaxNameLength), Slug(course.Slug) }.OfType<string>().Select(p => $"{where}: {p}"));
            if (course.Hours is < 1 or > MaxCourseHours)
            {
                problems.Add($"{where}: hours must be 1–{MaxCourseHours}.");
            }
            if (course.MajorCodes.Count == 0)
            {
                problems.Add($"{where}: name at least one major the course serves.");
            }
            problems.AddRange(course.MajorCodes.Where(m => !majors.Contains(m)).Select(m => $"{where}: '{m}' is not a major the college offers."));
            problems.AddRange(NotPartner(where, course.Enterprise, partners));
        }
        foreach (var trainingBase in college.TrainingBases)
        {
            var where = $"training base {trainingBase.Slug}";
            problems.AddRange(new[]
            {
                Text("displayName", trainingBase.DisplayName, MaxNameLength), Text("address", trainingBase.Address, MaxAddressLength), Slug(trainingBase.Slug),
            }.OfType<string>().Select(p => $"{where}: {p}"));
            if (trainingBase.Capacity is < 1 or > MaxCapacity)
            {
                problems.Add($"{where}: capacity must be 1–{MaxCapacity}.");
            }
            problems.AddRange(NotPartner(where, trainingBase.Enterprise, partners));
        }
        foreach (var mentor in college.Mentors)
        {
            var where = $"mentor {mentor.Slug}";
            problems.AddRange(new[]
            {
                Text("displayName", mentor.DisplayName, MaxShortTextLength), Text("specialty", mentor.Specialty, MaxShortTextLength),
                Text("title", mentor.Title, MaxShortTextLength, required: false), Slug(mentor.Slug),
            }.OfType<string>().Select(p => $"{where}: {p}"));
            problems.AddRange(NotPartner(where, mentor.Enterprise, partners));
        }
        return problems;
    }

    private static IEnumerable<string> NotPartner(string where, string enterprise, HashSet<string> partners) =>
        partners.Contains(enterprise) ? [] : [$"{where}: the enterprise {enterprise} is not a partner of the college."];

    /// <summary>ReportRules, and graduates within their cohort's enrolment, which must be a seeded report filed first.</summary>
    private static IEnumerable<string> CheckReports(SeedCollege college)
    {
        var problems = new List<string>();
        problems.AddRange(Duplicates(college.Reports.Select(r => r.Year.ToString(System.Globalization.CultureInfo.InvariantCulture)), "report year"));
        var latest = Dates.Today.Year;
        var enrolment = college.Reports.GroupBy(r => r.Year).ToDictionary(g => g.Key, g => g.First().Enrolment);
        foreach (var report in college.Reports)
        {
            var where = $"report {report.Year}";
            if (report.Year < FirstReportYear || report.Year > latest)
            {
                problems.Add($"{where}: the year must be from {FirstReportYear} to this year ({latest}).");
            }
            foreach (var (field, value) in new[]
            {
                ("enrolment", report.Enrolment), ("graduates", report.Graduates), ("coursesDelivered", report.CoursesDelivered),
                ("coDevelopedCoursesDelivered", report.CoDevelopedCoursesDelivered), ("mentorHours", report.MentorHours),
                ("traineesHosted", report.TraineesHosted),
            })
            {
                if (value is < 0 or > MaxFigure)
                {
                    problems.Add($"{where}: {field} must be 0–{MaxFigure}.");
                }
            }
            if (report.GraduatesCohortYear != 0 && (report.GraduatesCohortYear < FirstReportYear || report.GraduatesCohortYear > report.Year))
            {
                problems.Add($"{where}: graduatesCohortYear must be 0 (this year) or from {FirstReportYear} to {report.Year}.");
            }
            if (report.CoDevelopedCoursesDelivered > report.CoursesDelivered)
            {
                problems.Add($"{where}: coDevelopedCoursesDelivered must not exceed coursesDelivered.");
            }
            // Reports are filed in year order, so an earlier cohort's enrolment is there when the service looks it up.
            if (enrolment.TryGetValue(report.CohortYear, out var enrolled))
            {
                if (report.Graduates > enrolled)
                {
                    problems.Add($"{where}: {report.Graduates} graduates exceed the {report.CohortYear} cohort's enrolment ({enrolled}).");
                }
            }
            else if (report.Graduates > 0)
            {
                problems.Add($"{where}: no seeded report records the enrolment of the cohort year {report.CohortYear}.");
            }
        }
        return problems;
    }

    /// <summary>
    /// Follows the history from planning: the planned steps, and into <paramref name="problems"/> what the service
    /// would refuse. Keys name what a step does rather than its position, so inserting a step does not give the
    /// steps after it new request ids.
    /// </summary>
    private static CollegeWalk Walk(SeedCollege college, List<string> problems)
    {
        var steps = new List<PlannedCollegeStep>();
        var occurrences = new Dictionary<string, int>();
        var state = State.Planning;
        int? contentsAt = null;
        var contentsFrom = state;
        foreach (var act in college.History)
        {
            var next = Next(act, state);
            if (next is null)
            {
                problems.Add($"'{Describe(act)}' is not allowed while the college is {ClaimState(state)}.");
                break;
            }
            var reason = act switch
            {
                CollegeAct.Return r => Text("reason", r.Reason, MaxReasonLength),
                CollegeAct.StartReview r => Text("reason", r.Reason, MaxReasonLength),
                CollegeAct.Close c => Text("reason", c.Reason, MaxReasonLength, required: false),
                _ => null,
            };
            if (reason is not null)
            {
                problems.Add($"{Describe(act)}: {reason}");
            }
            // Every listed partner is current until the contents are added.
            if (act is CollegeAct.Submit && college.Partners.Count == 0)
            {
                problems.Add("submit: a college needs at least one partner enterprise before it is submitted.");
            }
            // A closed college takes no contributions, partner changes or reports: they come before the closure.
            if (next == State.Closed && contentsAt is null)
            {
                contentsAt = steps.Count;
                contentsFrom = state;
            }
            var name = Describe(act);
            var count = occurrences[name] = occurrences.GetValueOrDefault(name) + 1;
            steps.Add(new PlannedCollegeStep(act, state, next.Value, Key(college, $"{name}/{count}")));
            state = next.Value;
        }
        if (contentsAt is null)
        {
            contentsAt = steps.Count;
            contentsFrom = state;
        }
        if (college.Partners.Any(p => p.LeftDate is not null) && !IsEditable(contentsFrom))
        {
            problems.Add($"partners leave after the contributions are made, when the college is {ClaimState(contentsFrom)}; "
                + "partners cannot change then (only while planning, approved, operating or under review).");
        }
        if (college.Reports.Count > 0 && !TakesReports(contentsFrom))
        {
            problems.Add($"reports are filed after the history, when the college is {ClaimState(contentsFrom)}; a college takes reports once approved.");
        }
        if (state != college.State)
        {
            problems.Add($"the history ends in {ClaimState(state)} but \"state\" says {ClaimState(college.State)}.");
        }
        return new CollegeWalk(steps, contentsAt.Value, contentsFrom);
    }

    private static string? Slug(string slug) => string.IsNullOrWhiteSpace(slug) ? "the slug is required." : null;

    private static string? Text(string field, string? value, int maxLength, bool required = true) =>
        string.IsNullOrWhiteSpace(value)
            ? required ? $"{field} is required." : null
            : value.Length > maxLength ? $"{field} must be at most {maxLength} characters (it has {value.Length})." : null;

    private static IEnumerable<string> Duplicates(IEnumerable<string> values, string what) =>
        values.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => $"duplicate {what} '{g.Key}'.");
}
