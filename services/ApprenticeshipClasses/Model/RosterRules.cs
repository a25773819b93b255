using Collaboration.Shared.Validation;

namespace Collaboration.Apprenticeships.Model;

/// <summary>
/// What a learner's fields must look like, the same for one enrolment (CreateEnrolment, UpdateEnrolment) and for every
/// row of a roster import. Each check answers the problem in words, or null when the value is fine.
/// </summary>
public static class RosterRules
{
    public const int MaxStudentNumberLength = 32;
    public const int MaxPersonNameLength = 100;

    /// <summary>A student number: required, at most 32 characters, letters, digits and '-' only (it is the college's key).</summary>
    public static string? CheckStudentNumber(string value)
    {
        if (value.Length == 0)
        {
            return "is required.";
        }
        if (value.Length > MaxStudentNumberLength)
        {
            return $"must be at most {MaxStudentNumberLength} characters (got {value.Length}).";
        }
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return "may hold only letters, digits and '-'.";
            }
        }
        return null;
    }

    /// <summary>A learner's or mentor's name (already trimmed): at most 100 characters, and present when required.</summary>
    public static string? CheckPersonName(string value, bool required)
    {
        if (value.Length == 0)
        {
            return required ? "is required." : null;
        }
        if (RequestFields.CharacterProblem(value) is { } problem)
        {
            return problem; // the CSV upload's rows never pass the request interceptor
        }
        return value.Length > MaxPersonNameLength ? $"must be at most {MaxPersonNameLength} characters (got {value.Length})." : null;
    }
}
