using System.Text.RegularExpressions;

namespace Collaboration.Identity.Model;

/// <summary>The <c>org_kind</c> claim (and directory) values the services read, and the shape of a resource name.</summary>
public static partial class OrganizationKinds
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "enterprise", "university", "vocational_college", "research_institute", "government_body", "other",
    };

    /// <summary>A resource name as the services spell it: <c>alliances/a1</c>, <c>cohorts/c1/enrolments/e2</c>.</summary>
    public static bool IsResourceName(string? name) => name is { Length: > 0 and <= 200 } && ResourceName().IsMatch(name);

    [GeneratedRegex("^[a-z][a-zA-Z]*/[A-Za-z0-9_.-]+(/[a-z][a-zA-Z]*/[A-Za-z0-9_.-]+)*$")]
    private static partial Regex ResourceName();
}
