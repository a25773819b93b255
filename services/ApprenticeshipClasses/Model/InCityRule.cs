using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Identity;

namespace Collaboration.Apprenticeships.Model;

/// <summary>
/// Whether a placement is in the city, from the employer's entry in the organisation directory, never from the
/// caller: an employer registered in a 4313xx division (Loudi and its districts and counties) is in the city;
/// one registered elsewhere is not, unless an audited override says its branch in the city employs the learner.
/// </summary>
public static class InCityRule
{
    /// <summary>The in-city fact and its basis. An override on an employer registered in the city is refused by <see cref="OverrideViolation"/>.</summary>
    public static (bool InCity, InCityBasis Basis) Decide(RegisteredOrganization employer, InCityOverride? inCityOverride) =>
        employer.InCity ? (true, InCityBasis.Register)
        : inCityOverride is not null ? (true, InCityBasis.Override)
        : (false, InCityBasis.Register);

    /// <summary>Null when the override may be applied to this employer; otherwise why not.</summary>
    public static string? OverrideViolation(RegisteredOrganization employer) =>
        employer.InCity
            ? $"the employer {employer.CreditCode} is registered in the city ({employer.Division}); in-city needs no override."
            : null;
}
