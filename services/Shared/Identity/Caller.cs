using System.Security.Claims;
using Collaboration.Common.V1;
using Collaboration.Shared.Errors;
using Grpc.Core;

namespace Collaboration.Shared.Identity;

public enum CallerRole
{
    Viewer = 1,
    Editor = 2,
    Owner = 3,
    Admin = 4,
}

/// <summary>
/// Who is calling, read from the validated bearer token: <c>sub</c>, <c>org</c> (credit code),
/// <c>org_kind</c> and <c>role</c>. Admins act for the city and may have no organisation.
/// </summary>
public sealed record Caller(string Subject, string Organization, OrganizationKind OrganizationKind, CallerRole Role)
{
    public bool IsAdmin => Role == CallerRole.Admin;

    /// <summary>Owner or editor of its organisation (viewers only read).</summary>
    public bool CanWrite => Role is CallerRole.Owner or CallerRole.Editor;

    public bool ActsFor(string organizationCode) =>
        !IsAdmin && string.Equals(Organization, organizationCode, StringComparison.Ordinal);

    /// <summary>Owner or editor acting for this organisation.</summary>
    public bool CanEditFor(string organizationCode) => CanWrite && ActsFor(organizationCode);

    public static Caller From(ServerCallContext context) => From(context.GetHttpContext().User);

    public static Caller From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            ApiErrors.Unauthenticated("A bearer token is required.");
        }
        var subject = user.FindFirstValue("sub");
        var role = user.FindFirstValue("role") switch
        {
            "admin" => CallerRole.Admin,
            "owner" => CallerRole.Owner,
            "editor" => CallerRole.Editor,
            "viewer" => CallerRole.Viewer,
            _ => (CallerRole?)null,
        };
        if (string.IsNullOrEmpty(subject) || role is null)
        {
            ApiErrors.PermissionDenied("The token must carry 'sub' and a 'role' of owner, editor, viewer or admin.");
        }
        var organization = user.FindFirstValue("org") ?? "";
        if (role != CallerRole.Admin && organization.Length == 0)
        {
            ApiErrors.PermissionDenied("The token must name the caller's organisation ('org').");
        }
        return new Caller(subject, organization, Kind(user.FindFirstValue("org_kind")), role.Value);
    }

    /// <summary>An organisation kind from its claim (and directory) spelling, <c>enterprise</c>, <c>vocational_college</c>, ….</summary>
    public static OrganizationKind Kind(string? claim) => claim switch
    {
        "enterprise" => OrganizationKind.Enterprise,
        "university" => OrganizationKind.University,
        "vocational_college" => OrganizationKind.VocationalCollege,
        "research_institute" => OrganizationKind.ResearchInstitute,
        "government_body" => OrganizationKind.GovernmentBody,
        "other" => OrganizationKind.Other,
        _ => OrganizationKind.Unspecified,
    };

    /// <summary>The claim value for an organisation kind (the inverse of what <see cref="From(ClaimsPrincipal)"/> reads).</summary>
    public static string KindClaim(OrganizationKind kind) => kind switch
    {
        OrganizationKind.Enterprise => "enterprise",
        OrganizationKind.University => "university",
        OrganizationKind.VocationalCollege => "vocational_college",
        OrganizationKind.ResearchInstitute => "research_institute",
        OrganizationKind.GovernmentBody => "government_body",
        _ => "other",
    };
}
