using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Validation;

namespace Collaboration.Apprenticeships.Model;

/// <summary>
/// Whether a placement is in the city, from the employer's register, never from the caller: an employer
/// registered in a 4313xx division (Loudi and its districts and counties) is in the city; one registered
/// elsewhere is not, unless an audited override says its branch in the city employs the learner.
/// </summary>
public static class InCityRule
{
    public static bool RegisteredInCity(string employerCode) => CreditCode.IsInCity(employerCode);

    /// <summary>The in-city fact and its basis. An override on an employer registered in the city is refused by <see cref="OverrideViolation"/>.</summary>
    public static (bool InCity, InCityBasis Basis) Decide(string employerCode, InCityOverride? inCityOverride) =>
        RegisteredInCity(employerCode) ? (true, InCityBasis.Register)
        : inCityOverride is not null ? (true, InCityBasis.Override)
        : (false, InCityBasis.Register);

    /// <summary>Null when the override may be applied to this employer; otherwise why not.</summary>
    public static string? OverrideViolation(string employerCode) =>
        RegisteredInCity(employerCode)
            ? $"the employer {employerCode} is registered in the city ({CreditCode.Division(employerCode)}); in-city needs no override."
            : null;
}
