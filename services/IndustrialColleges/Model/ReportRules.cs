using Collaboration.Colleges.V1;

namespace Collaboration.IndustrialColleges.Model;

/// <summary>The figures of an annual report, the rules they obey and the indicators computed from them.</summary>
public sealed record ReportFigures(int Year, int Enrolment, int Graduates, int GraduatesCohortYear, int CoursesDelivered,
    int CoDevelopedCoursesDelivered, int MentorHours, int TraineesHosted)
{
    /// <summary>The cohort the graduates came from: the report's own year unless another is given.</summary>
    public int CohortYear => GraduatesCohortYear == 0 ? Year : GraduatesCohortYear;
}

public static class ReportRules
{
    public const int FirstYear = 2000;
    public const int MaxFigure = 10_000_000;

    /// <summary>
    /// Field violations that need no other data: totals are not negative, co-developed courses are
    /// among those delivered, the cohort year is not after the report year. Keys are field names without a prefix.
    /// </summary>
    public static IEnumerable<(string Field, string Problem)> Check(ReportFigures f, int latestYear)
    {
        if (f.Year < FirstYear || f.Year > latestYear)
        {
            yield return ("year", $"must be between {FirstYear} and {latestYear} (got {f.Year}).");
        }
        foreach (var (field, value) in new[]
        {
            ("enrolment", f.Enrolment), ("graduates", f.Graduates), ("courses_delivered", f.CoursesDelivered),
            ("co_developed_courses_delivered", f.CoDevelopedCoursesDelivered), ("mentor_hours", f.MentorHours),
            ("trainees_hosted", f.TraineesHosted),
        })
        {
            if (value < 0)
            {
                yield return (field, $"must not be negative (got {value}).");
            }
            else if (value > MaxFigure)
            {
                yield return (field, $"must be at most {MaxFigure} (got {value}).");
            }
        }
        if (f.GraduatesCohortYear != 0 && (f.GraduatesCohortYear < FirstYear || f.GraduatesCohortYear > f.Year))
        {
            yield return ("graduates_cohort_year", $"must be between {FirstYear} and the report year {f.Year} (got {f.GraduatesCohortYear}).");
        }
        if (f.CoDevelopedCoursesDelivered > f.CoursesDelivered && f.CoursesDelivered >= 0)
        {
            yield return ("co_developed_courses_delivered", $"must not exceed courses_delivered ({f.CoursesDelivered}).");
        }
    }

    /// <summary>Graduates cannot exceed the enrolment of the cohort year they were admitted in.</summary>
    public static string? CheckGraduates(int graduates, int cohortYear, int? cohortEnrolment) => cohortEnrolment switch
    {
        null when graduates > 0 => $"no report for the cohort year {cohortYear} records its enrolment; file that year's report first.",
        { } enrolled when graduates > enrolled => $"must not exceed the {cohortYear} cohort's enrolment ({enrolled}).",
        _ => null,
    };

    public static Indicators Indicators(ReportFigures f, int capacity) => new()
    {
        GraduatesToCapacity = Ratio(f.Graduates, capacity),
        MentorHoursPerStudent = Ratio(f.MentorHours, f.Enrolment),
        CoDevelopedCourseShare = Ratio(f.CoDevelopedCoursesDelivered, f.CoursesDelivered),
    };

    // Four decimals: enough for a share, and stable in JSON.
    private static double Ratio(int numerator, int denominator) =>
        denominator <= 0 ? 0 : Math.Round((double)numerator / denominator, 4, MidpointRounding.AwayFromZero);
}
