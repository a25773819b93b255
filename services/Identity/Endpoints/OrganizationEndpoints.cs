using System.Security.Claims;
using Collaboration.Identity.Data;
using Collaboration.Identity.Model;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Microsoft.EntityFrameworkCore;

namespace Collaboration.Identity.Endpoints;

public sealed record CreateOrganizationRequest(string Code, string Name, string Kind);

/// <param name="RegisteredAt">When the organisation was registered in the directory.</param>
/// <param name="Division">Characters 3–8 of the credit code: where it was registered (GB/T 2260).</param>
/// <param name="DivisionName">The name of that division when it is one of the city's (娄星区, …).</param>
/// <param name="InCity">Registered in the city (division 4313xx).</param>
public sealed record OrganizationView(string Code, string Name, string Kind, DateTimeOffset RegisteredAt, string Division, string? DivisionName,
    bool InCity);

public sealed record OrganizationList(IReadOnlyList<OrganizationView> Organizations);

public sealed record OrganizationPage(IReadOnlyList<OrganizationView> Organizations, string NextPageToken);

/// <summary>
/// The organisation directory: every service takes an organisation's name and kind from here, and the
/// portal's pickers search it. A lookup by credit code needs no token: a registered name, kind and
/// division are public facts (as in the national enterprise credit register), and the services ask with
/// no caller at hand. Searching by name needs a signed-in caller; only city admins register an organisation.
/// <code>
/// GET  /api/organizations/{code}                        one organisation, 404 when not registered
/// GET  /api/organizations:batchGet?codes=…&amp;codes=…      up to 100 at once; unknown codes are left out
/// GET  /api/organizations?namePrefix=&amp;kind=&amp;pageSize=&amp;pageToken=   by name prefix (case-insensitive for Latin), paged by name
/// POST /api/organizations                               an admin registers a missing organisation (audited)
/// </code>
/// </summary>
public static class OrganizationEndpoints
{
    public const int MaxBatch = 100;
    public const int MaxNameLength = 200;

    public static void MapOrganizationEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/organizations/{code}", GetAsync).AllowAnonymous();
        api.MapGet("/organizations:batchGet", BatchGetAsync).AllowAnonymous();
        api.MapGet("/organizations", SearchAsync);
        api.MapPost("/organizations", CreateAsync);
    }

    private static IResult Invalid(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest);

    public static OrganizationView View(Organization o)
    {
        var division = CreditCode.Division(o.Code);
        return new OrganizationView(o.Code, o.Name, o.Kind, o.CreatedAt, division, CreditCode.CityDivisionName(division), CreditCode.IsInCity(o.Code));
    }

    private static async Task<IResult> GetAsync(string code, IdentityDb db, CancellationToken ct)
    {
        if (CreditCode.Check(code) is { } problem)
        {
            return Invalid($"code: {problem}");
        }
        var organization = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Code == code, ct);
        return organization is null
            ? Results.Problem($"organizations/{code} is not registered; a city admin registers it (POST /api/organizations).",
                statusCode: StatusCodes.Status404NotFound)
            : Results.Ok(View(organization));
    }

    private static async Task<IResult> BatchGetAsync(string[]? codes, IdentityDb db, CancellationToken ct)
    {
        var wanted = (codes ?? []).Distinct(StringComparer.Ordinal).ToArray();
        if (wanted.Length is 0 or > MaxBatch)
        {
            return Invalid($"codes: give 1 to {MaxBatch} credit codes.");
        }
        foreach (var code in wanted)
        {
            if (CreditCode.Check(code) is { } problem)
            {
                return Invalid($"codes: {code} {problem}");
            }
        }
        var found = await db.Organizations.AsNoTracking().Where(o => wanted.Contains(o.Code)).ToListAsync(ct);
        return Results.Ok(new OrganizationList(found.OrderBy(o => Array.IndexOf(wanted, o.Code)).Select(View).ToList()));
    }

    private static async Task<IResult> SearchAsync(IdentityDb db, string? namePrefix, string? kind, int? pageSize, string? pageToken,
        CancellationToken ct)
    {
        var prefix = (namePrefix ?? "").Trim().ToLowerInvariant();
        if (prefix.Length > MaxNameLength)
        {
            return Invalid($"namePrefix: at most {MaxNameLength} characters.");
        }
        if (kind is not null && !OrganizationKinds.All.Contains(kind))
        {
            return Invalid($"kind: one of {string.Join(", ", OrganizationKinds.All)}.");
        }
        var violations = new FieldViolations();
        var size = Page.Size(pageSize ?? 0, violations, "pageSize");
        var fingerprint = Page.Fingerprint(prefix, kind);
        var after = Page.After(pageToken, fingerprint, violations, "pageToken");
        if (!violations.IsEmpty)
        {
            return Invalid("pageSize must not be negative, and pageToken must come from the same search.");
        }

        var query = db.Organizations.AsNoTracking();
        if (prefix.Length > 0)
        {
            query = query.Where(o => o.Name.ToLower().StartsWith(prefix));
        }
        if (kind is not null)
        {
            query = query.Where(o => o.Kind == kind);
        }
        if (after is not null)
        {
            // The key is "<18-character code>/<name>": the page goes on after that (name, code).
            if (after.Length < CreditCode.Length + 1)
            {
                return Invalid("pageToken is not a page token this service issued.");
            }
            var (afterCode, afterName) = (after[..CreditCode.Length], after[(CreditCode.Length + 1)..]);
            query = query.Where(o => string.Compare(o.Name, afterName) > 0 || (o.Name == afterName && string.Compare(o.Code, afterCode) > 0));
        }
        var rows = await query.OrderBy(o => o.Name).ThenBy(o => o.Code).Take(size + 1).ToListAsync(ct);
        var (items, next) = Page.Slice(rows, size, o => $"{o.Code}/{o.Name}", fingerprint);
        return Results.Ok(new OrganizationPage(items.Select(View).ToList(), next));
    }

    private static async Task<IResult> CreateAsync(CreateOrganizationRequest body, ClaimsPrincipal user, IdentityDb db, CancellationToken ct)
    {
        var caller = ApiCaller.From(user);
        if (!caller.IsAdmin)
        {
            return Results.Problem("Only city admins register organisations.", statusCode: StatusCodes.Status403Forbidden);
        }
        if (CreditCode.Check(body.Code ?? "") is { } problem)
        {
            return Invalid($"code: {problem}");
        }
        var name = body.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            return Invalid($"name: the registered name, 1 to {MaxNameLength} characters.");
        }
        if (!OrganizationKinds.All.Contains(body.Kind ?? ""))
        {
            return Invalid($"kind: one of {string.Join(", ", OrganizationKinds.All)}.");
        }
        if (await db.Organizations.AnyAsync(o => o.Code == body.Code, ct))
        {
            return Results.Problem($"organizations/{body.Code} is already registered.", statusCode: StatusCodes.Status409Conflict);
        }
        var organization = new Organization { Code = body.Code!, Name = name, Kind = body.Kind!, CreatedAt = DateTimeOffset.UtcNow };
        db.Organizations.Add(organization);
        db.Audit.Add(new AuditEntry
        {
            At = organization.CreatedAt, Actor = caller.Subject, ActorOrganization = caller.Organization, Action = "organization.created",
            Target = organization.Code, Organization = organization.Code, Detail = $"{name} ({organization.Kind})",
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            return Results.Problem($"organizations/{body.Code} is already registered.", statusCode: StatusCodes.Status409Conflict);
        }
        return Results.Created($"/api/organizations/{organization.Code}", View(organization));
    }
}
