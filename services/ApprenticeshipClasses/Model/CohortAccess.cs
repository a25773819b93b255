using Collaboration.Shared.Identity;

namespace Collaboration.Apprenticeships.Model;

/// <summary>
/// Who sees and acts on a cohort: admins everything; the college and its sponsors (past or
/// present) see it; owners and editors of the college act for the college side, of a current
/// sponsor for the enterprise side. Everyone else does not learn the cohort exists.
/// The list query in CohortStore mirrors CanRead.
/// </summary>
public static class CohortAccess
{
    public static bool CanRead(Caller caller, string collegeCode, IEnumerable<string> sponsorCodes) =>
        caller.IsAdmin || caller.ActsFor(collegeCode) || sponsorCodes.Any(caller.ActsFor);

    /// <summary>The side the caller may act for (owner or editor); None for viewers, admins and outsiders.</summary>
    public static Party PartyOf(Caller caller, string collegeCode, IEnumerable<string> currentSponsorCodes)
    {
        if (caller.CanEditFor(collegeCode))
        {
            return Party.College;
        }
        return currentSponsorCodes.Any(caller.CanEditFor) ? Party.Enterprise : Party.None;
    }
}

/// <summary>The outcome ratios; null when the denominator is zero.</summary>
public static class Rates
{
    public static double? Ratio(long numerator, long denominator) =>
        denominator > 0 ? Math.Round((double)numerator / denominator, 4) : null;
}
