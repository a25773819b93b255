using Collaboration.Common.V1;
using Collaboration.Shared.Identity;

namespace Collaboration.Apprenticeships.Model;

/// <summary>
/// Which organisations may take which part in a cohort, by the kind the directory registers (never the kind a
/// caller types): a college (vocational college or university) runs it, enterprises sponsor it, and any
/// registered organisation may employ a learner.
/// </summary>
public static class CohortOrganizations
{
    public static readonly IReadOnlySet<OrganizationKind> CollegeKinds = new HashSet<OrganizationKind>
    {
        OrganizationKind.VocationalCollege, OrganizationKind.University,
    };

    /// <summary>Null when the organisation may be a cohort's college; otherwise why not.</summary>
    public static string? CollegeViolation(RegisteredOrganization organization) =>
        CollegeKinds.Contains(organization.Kind) ? null
            : $"{organization.CreditCode} is registered as {Describe(organization.Kind)}, not a vocational college or university.";

    /// <summary>Null when the organisation may sponsor a cohort; otherwise why not.</summary>
    public static string? SponsorViolation(RegisteredOrganization organization) =>
        organization.Kind == OrganizationKind.Enterprise ? null
            : $"{organization.CreditCode} is registered as {Describe(organization.Kind)}; only an enterprise sponsors a cohort.";

    private static string Describe(OrganizationKind kind) => kind switch
    {
        OrganizationKind.Enterprise => "an enterprise",
        OrganizationKind.University => "a university",
        OrganizationKind.VocationalCollege => "a vocational college",
        OrganizationKind.ResearchInstitute => "a research institute",
        OrganizationKind.GovernmentBody => "a government body",
        _ => "another kind of organisation",
    };
}
