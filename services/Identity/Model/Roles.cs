namespace Collaboration.Identity.Model;

/// <summary>
/// The ranked roles of the claims contract (owner &gt; editor &gt; viewer; admin acts for the city)
/// and the rule that a partner grant never widens what a person may do in their own organisation.
/// </summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Owner = "owner";
    public const string Editor = "editor";
    public const string Viewer = "viewer";

    public static bool IsOrganizationRole(string? role) => role is Owner or Editor or Viewer;

    public static bool IsGrantRole(string? role) => role is Editor or Viewer;

    public static bool IsKnown(string? role) => role is Admin || IsOrganizationRole(role);

    public static int Rank(string role) => role switch
    {
        Viewer => 1,
        Editor => 2,
        Owner => 3,
        Admin => 4,
        _ => 0,
    };

    /// <summary>
    /// What a caller may do on a partner's record: the grant's role, capped by the caller's own
    /// role (a viewer stays a viewer, an owner is at most what was granted).
    /// </summary>
    public static string? EffectiveGrantRole(string callerRole, string? grantRole)
    {
        if (grantRole is null || !IsGrantRole(grantRole) || !IsOrganizationRole(callerRole))
        {
            return null;
        }
        return Rank(callerRole) < Rank(grantRole) ? callerRole : grantRole;
    }
}
