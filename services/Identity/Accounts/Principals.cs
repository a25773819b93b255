using System.Security.Claims;
using Collaboration.Identity.Data;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Collaboration.Identity.Accounts;

/// <summary>Builds the principal OpenIddict turns into tokens: the contract claims sub, org, org_kind and role.</summary>
public static class Principals
{
    public const string OrganizationClaim = "org";
    public const string OrganizationKindClaim = "org_kind";

    public static ClaimsPrincipal Create(string subject, string role, Organization? organization, string audience, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Subject, Claims.Role);
        identity.SetClaim(Claims.Subject, subject);
        identity.SetClaim(Claims.Role, role);
        if (organization is not null)
        {
            identity.SetClaim(OrganizationClaim, organization.Code);
            identity.SetClaim(OrganizationKindClaim, organization.Kind);
        }
        identity.SetScopes(scopes);
        identity.SetResources(audience);
        identity.SetDestinations(claim => claim.Type is Claims.Subject or Claims.Role or OrganizationClaim or OrganizationKindClaim
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }
}
