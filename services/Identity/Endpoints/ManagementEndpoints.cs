using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Collaboration.Identity.Accounts;
using Collaboration.Identity.Data;
using Collaboration.Identity.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Validation.AspNetCore;

namespace Collaboration.Identity.Endpoints;

/// <summary>Who calls the management API, read from the access token (the same contract the services read).</summary>
public sealed record ApiCaller(string Subject, string? Organization, string Role)
{
    public bool IsAdmin => Role == Roles.Admin;
    public bool IsOwner => Role == Roles.Owner && Organization is not null;

    public static ApiCaller From(ClaimsPrincipal user) => new(
        user.FindFirstValue("sub") ?? "", user.FindFirstValue(Principals.OrganizationClaim), user.FindFirstValue("role") ?? "");
}

public sealed record InviteUserRequest(string Email, string Role, string? Organization);
public sealed record ChangeRoleRequest(string Role);
public sealed record AcceptInvitationRequest(string Email, string Code, string Password);
public sealed record UserView(Guid Id, string Email, string? Organization, string Role, bool Invited, DateTimeOffset? LockoutEnd);
public sealed record InvitationView(UserView User, string InvitationCode, DateTimeOffset Expires);
public sealed record CreateGrantRequest(string Resource, string Grantee, string Role);
public sealed record GrantView(Guid Id, string Resource, string Grantor, string Grantee, string Role, string GrantedBy, DateTimeOffset CreateTime,
    DateTimeOffset? RevokeTime, string? RevokedBy);
public sealed record ReceivedGrantView(string Resource, string Owner, string EffectiveRole);
public sealed record GrantCheckView(string Resource, string Owner, string Grantee, string? GrantedRole, string? EffectiveRole);
public sealed record AuditView(long Id, DateTimeOffset At, string Actor, string? ActorOrganization, string Action, string Target, string? Organization, string? Detail);

/// <summary>
/// Owners manage the people of their organisation; organisations grant partners rights on one
/// record and revoke them; services check grants. Every change writes an audit entry in the same
/// transaction. Another organisation's people and grants answer 404, as if they did not exist.
/// </summary>
public static class ManagementEndpoints
{
    public static void MapManagementEndpoints(this WebApplication app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(policy => policy
            .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser());
        api.MapOrganizationEndpoints();
        api.MapGet("/users", ListUsersAsync);
        api.MapPost("/users", InviteUserAsync);
        api.MapPatch("/users/{id:guid}", ChangeRoleAsync);
        api.MapDelete("/users/{id:guid}", RemoveUserAsync);
        api.MapPost("/grants", CreateGrantAsync);
        api.MapGet("/grants", ListGrantsAsync);
        api.MapGet("/grants/check", CheckGrantAsync);
        api.MapGet("/grants/received", ListReceivedGrantsAsync);
        api.MapDelete("/grants/{id:guid}", RevokeGrantAsync);
        api.MapGet("/audit", ListAuditAsync);
        app.MapPost("/account/invitation", AcceptInvitationAsync);
    }

    private static IResult Invalid(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest);
    private static IResult Denied(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status403Forbidden);
    private static IResult NotFound(string what) => Results.Problem($"{what} was not found.", statusCode: StatusCodes.Status404NotFound);

    private static AuditEntry Audit(ApiCaller caller, string action, string target, string? organization, string? detail) => new()
    {
        At = DateTimeOffset.UtcNow, Actor = caller.Subject, ActorOrganization = caller.Organization, Action = action,
        Target = target, Organization = organization, Detail = detail,
    };

    private static UserView View(User u) => new(u.Id, u.Email, u.OrganizationCode, u.Role, u.InvitationHash is not null, u.LockoutEnd);

    private static GrantView View(Grant g) => new(g.Id, g.Resource, g.GrantorOrganization, g.GranteeOrganization, g.Role, g.GrantedBy,
        g.CreatedAt, g.RevokedAt, g.RevokedBy);

    private static async Task<IResult> ListUsersAsync(ClaimsPrincipal user, IdentityDb db, string? organization, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        IQueryable<User> users = db.Users.OrderBy(u => u.Email);
        if (caller.IsAdmin)
        {
            users = organization is null ? users : users.Where(u => u.OrganizationCode == organization);
        }
        else if (caller.IsOwner)
        {
            users = users.Where(u => u.OrganizationCode == caller.Organization);
        }
        else
        {
            return Denied("Only owners list their organisation's people.");
        }
        return Results.Ok((await users.Take(1000).ToListAsync(ct)).Select(View));
    }

    private static async Task<IResult> InviteUserAsync(InviteUserRequest body, ClaimsPrincipal user, IdentityDb db,
        IOptions<IdentityServiceOptions> options, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        if (!caller.IsAdmin && !caller.IsOwner)
        {
            return Denied("Only owners invite people to their organisation.");
        }
        var email = PasswordSignIn.Normalize(body.Email ?? "");
        if (email.Length is < 3 or > 254 || !email.Contains('@'))
        {
            return Invalid("email: a valid email address is required.");
        }
        // Owners invite into their own organisation only, and never admins.
        var organization = caller.IsAdmin ? body.Organization : caller.Organization;
        if (caller.IsAdmin ? !Roles.IsKnown(body.Role) : !Roles.IsOrganizationRole(body.Role))
        {
            return Invalid("role: owner, editor or viewer.");
        }
        if (body.Role == Roles.Admin)
        {
            organization = null;
        }
        else if (organization is null || !await db.Organizations.AnyAsync(o => o.Code == organization, ct))
        {
            return Invalid("organization: a registered organisation is required.");
        }
        if (await db.Users.AnyAsync(u => u.Email == email, ct))
        {
            return Results.Problem($"{email} already has an account.", statusCode: StatusCodes.Status409Conflict);
        }
        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var invited = new User
        {
            Id = Guid.NewGuid(), Email = email, OrganizationCode = organization, Role = body.Role, CreatedAt = DateTimeOffset.UtcNow,
            InvitationHash = Hash(code), InvitationExpires = DateTimeOffset.UtcNow.AddDays(options.Value.InvitationDays),
        };
        db.Users.Add(invited);
        db.Audit.Add(Audit(caller, "user.invited", email, organization, $"role {body.Role}"));
        await db.SaveChangesAsync(ct);
        return Results.Created($"/api/users/{invited.Id}", new InvitationView(View(invited), code, invited.InvitationExpires!.Value));
    }

    /// <summary>The person (of the caller's organisation, or anyone for an admin) an owner may manage; null reads as 404.</summary>
    private static async Task<User?> ManagedUserAsync(ApiCaller caller, IdentityDb db, Guid id, CancellationToken ct)
    {
        var target = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        return target is not null && (caller.IsAdmin || (caller.IsOwner && target.OrganizationCode == caller.Organization)) ? target : null;
    }

    private static async Task<bool> IsLastOwnerAsync(IdentityDb db, User target, CancellationToken ct) =>
        target.Role == Roles.Owner
        && !await db.Users.AnyAsync(u => u.OrganizationCode == target.OrganizationCode && u.Role == Roles.Owner && u.Id != target.Id, ct);

    private static async Task<IResult> ChangeRoleAsync(Guid id, ChangeRoleRequest body, ClaimsPrincipal user, IdentityDb db, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        if (!caller.IsAdmin && !caller.IsOwner)
        {
            return Denied("Only owners change roles.");
        }
        var target = await ManagedUserAsync(caller, db, id, ct);
        if (target is null)
        {
            return NotFound($"users/{id}");
        }
        if (!Roles.IsOrganizationRole(body.Role) || target.Role == Roles.Admin)
        {
            return Invalid("role: owner, editor or viewer, for a member of an organisation.");
        }
        if (body.Role != Roles.Owner && await IsLastOwnerAsync(db, target, ct))
        {
            return Results.Problem("An organisation keeps at least one owner.", statusCode: StatusCodes.Status409Conflict);
        }
        var from = target.Role;
        target.Role = body.Role;
        db.Audit.Add(Audit(caller, "user.role_changed", target.Email, target.OrganizationCode, $"{from} -> {body.Role}"));
        await db.SaveChangesAsync(ct);
        return Results.Ok(View(target));
    }

    private static async Task<IResult> RemoveUserAsync(Guid id, ClaimsPrincipal user, IdentityDb db, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        if (!caller.IsAdmin && !caller.IsOwner)
        {
            return Denied("Only owners remove people.");
        }
        var target = await ManagedUserAsync(caller, db, id, ct);
        if (target is null)
        {
            return NotFound($"users/{id}");
        }
        if (await IsLastOwnerAsync(db, target, ct))
        {
            return Results.Problem("An organisation keeps at least one owner.", statusCode: StatusCodes.Status409Conflict);
        }
        db.Users.Remove(target);
        db.Audit.Add(Audit(caller, "user.removed", target.Email, target.OrganizationCode, $"role {target.Role}"));
        await db.SaveChangesAsync(ct);
        return Results.NoContent();
    }

    private static async Task<IResult> AcceptInvitationAsync(AcceptInvitationRequest body, IdentityDb db, IPasswordHasher<User> hasher, CancellationToken ct)
    {
        var email = PasswordSignIn.Normalize(body.Email ?? "");
        var user = await db.Users.SingleOrDefaultAsync(u => u.Email == email, ct);
        var valid = user?.InvitationHash is not null && user.InvitationExpires > DateTimeOffset.UtcNow
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(user.InvitationHash), Encoding.ASCII.GetBytes(Hash(body.Code ?? "")));
        if (!valid)
        {
            return Results.Problem("The invitation is unknown, used or expired.", statusCode: StatusCodes.Status404NotFound);
        }
        if ((body.Password ?? "").Length < 12)
        {
            return Invalid("password: at least 12 characters.");
        }
        user!.PasswordHash = hasher.HashPassword(user, body.Password!);
        user.InvitationHash = null;
        user.InvitationExpires = null;
        db.Audit.Add(new AuditEntry
        {
            At = DateTimeOffset.UtcNow, Actor = email, ActorOrganization = user.OrganizationCode, Action = "user.invitation_accepted",
            Target = email, Organization = user.OrganizationCode,
        });
        await db.SaveChangesAsync(ct);
        return Results.NoContent();
    }

    private static string Hash(string code) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(code)));

    private static async Task<IResult> CreateGrantAsync(CreateGrantRequest body, ClaimsPrincipal user, IdentityDb db, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        if (!caller.IsOwner)
        {
            return Denied("Only an owner grants partners rights on its organisation's records.");
        }
        if (!OrganizationKinds.IsResourceName(body.Resource))
        {
            return Invalid("resource: a resource name such as cohorts/123.");
        }
        if (!Roles.IsGrantRole(body.Role))
        {
            return Invalid("role: editor or viewer.");
        }
        if (body.Grantee == caller.Organization || !await db.Organizations.AnyAsync(o => o.Code == body.Grantee, ct))
        {
            return Invalid("grantee: another registered organisation.");
        }
        // The grantor is always the caller's organisation: a grant can only share what the grantor owns,
        // and services honour it only when the record's owner is that organisation.
        var grant = new Grant
        {
            Id = Guid.NewGuid(), GrantorOrganization = caller.Organization!, GranteeOrganization = body.Grantee, Resource = body.Resource,
            Role = body.Role, GrantedBy = caller.Subject, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Grants.Add(grant);
        db.Audit.Add(Audit(caller, "grant.created", body.Resource, caller.Organization, $"{body.Role} to {body.Grantee} (grant {grant.Id})"));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            return Results.Problem($"{body.Grantee} already holds a grant on {body.Resource}; revoke it first.", statusCode: StatusCodes.Status409Conflict);
        }
        return Results.Created($"/api/grants/{grant.Id}", View(grant));
    }

    private static async Task<IResult> ListGrantsAsync(ClaimsPrincipal user, IdentityDb db, string? resource, bool? includeRevoked, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        IQueryable<Grant> grants = db.Grants.OrderByDescending(g => g.CreatedAt);
        if (!caller.IsAdmin)
        {
            if (caller.Organization is null)
            {
                return Denied("The token names no organisation.");
            }
            grants = grants.Where(g => g.GrantorOrganization == caller.Organization || g.GranteeOrganization == caller.Organization);
        }
        if (resource is not null)
        {
            grants = grants.Where(g => g.Resource == resource);
        }
        if (includeRevoked != true)
        {
            grants = grants.Where(g => g.RevokedAt == null);
        }
        return Results.Ok((await grants.Take(1000).ToListAsync(ct)).Select(View));
    }

    /// <summary>
    /// What the caller's organisation may do on <paramref name="resource"/> owned by <paramref name="owner"/>:
    /// services forward the caller's own token, so nobody can ask on another organisation's behalf.
    /// </summary>
    private static async Task<IResult> CheckGrantAsync(ClaimsPrincipal user, IdentityDb db, string? resource, string? owner, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        if (string.IsNullOrEmpty(resource) || string.IsNullOrEmpty(owner))
        {
            return Invalid("resource and owner are required.");
        }
        if (caller.Organization is null || !Roles.IsOrganizationRole(caller.Role))
        {
            return Results.Ok(new GrantCheckView(resource, owner, caller.Organization ?? "", null, null));
        }
        var granted = await db.Grants
            .Where(g => g.Resource == resource && g.GrantorOrganization == owner && g.GranteeOrganization == caller.Organization && g.RevokedAt == null)
            .Select(g => g.Role).FirstOrDefaultAsync(ct);
        return Results.Ok(new GrantCheckView(resource, owner, caller.Organization, granted, Roles.EffectiveGrantRole(caller.Role, granted)));
    }

    /// <summary>
    /// The live grants the caller's organisation holds on records of one collection ("alliances", "labs" …), with the
    /// role the caller gets from each: what a service's "shared with me" list filter is answered from. Like the check,
    /// it is asked with the caller's own token, so an organisation learns only what was granted to itself.
    /// </summary>
    private static async Task<IResult> ListReceivedGrantsAsync(ClaimsPrincipal user, IdentityDb db, string? collection, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        if (string.IsNullOrEmpty(collection) || collection.Contains('/'))
        {
            return Invalid("collection: a collection name such as alliances.");
        }
        if (caller.Organization is null || !Roles.IsOrganizationRole(caller.Role))
        {
            return Results.Ok(Array.Empty<ReceivedGrantView>());
        }
        var prefix = collection + "/";
        var received = await db.Grants
            .Where(g => g.GranteeOrganization == caller.Organization && g.RevokedAt == null && g.Resource.StartsWith(prefix))
            .OrderBy(g => g.Resource)
            .Select(g => new { g.Resource, g.GrantorOrganization, g.Role })
            .Take(MaxReceivedGrants)
            .ToListAsync(ct);
        return Results.Ok(received
            .Select(g => (g.Resource, g.GrantorOrganization, Role: Roles.EffectiveGrantRole(caller.Role, g.Role)))
            .Where(g => g.Role is not null && g.Resource.IndexOf('/', prefix.Length) < 0)
            .Select(g => new ReceivedGrantView(g.Resource, g.GrantorOrganization, g.Role!)));
    }

    /// <summary>A bound on one answer; far above what one organisation is granted in one collection.</summary>
    private const int MaxReceivedGrants = 10_000;

    private static async Task<IResult> RevokeGrantAsync(Guid id, ClaimsPrincipal user, IdentityDb db, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        var grant = await db.Grants.SingleOrDefaultAsync(g => g.Id == id, ct);
        if (grant is null || (!caller.IsAdmin && grant.GrantorOrganization != caller.Organization && grant.GranteeOrganization != caller.Organization))
        {
            return NotFound($"grants/{id}");
        }
        if (!caller.IsAdmin && !(caller.IsOwner && grant.GrantorOrganization == caller.Organization))
        {
            return Denied("Only an owner of the granting organisation (or an admin) revokes a grant.");
        }
        if (grant.RevokedAt is not null)
        {
            return Results.Ok(View(grant));
        }
        grant.RevokedAt = DateTimeOffset.UtcNow;
        grant.RevokedBy = caller.Subject;
        db.Audit.Add(Audit(caller, "grant.revoked", grant.Resource, grant.GrantorOrganization, $"{grant.Role} of {grant.GranteeOrganization} (grant {grant.Id})"));
        await db.SaveChangesAsync(ct);
        return Results.Ok(View(grant));
    }

    private static async Task<IResult> ListAuditAsync(ClaimsPrincipal user, IdentityDb db, string? organization, long? before, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        IQueryable<AuditEntry> entries = db.Audit.OrderByDescending(a => a.Id);
        if (caller.IsAdmin)
        {
            entries = organization is null ? entries : entries.Where(a => a.Organization == organization);
        }
        else if (caller.IsOwner)
        {
            entries = entries.Where(a => a.Organization == caller.Organization);
        }
        else
        {
            return Denied("Only owners read their organisation's audit.");
        }
        if (before is not null)
        {
            entries = entries.Where(a => a.Id < before);
        }
        return Results.Ok((await entries.Take(200).ToListAsync(ct))
            .Select(a => new AuditView(a.Id, a.At, a.Actor, a.ActorOrganization, a.Action, a.Target, a.Organization, a.Detail)));
    }
}
