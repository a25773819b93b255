using System.Globalization;
using Collaboration.Common.V1;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Collaboration.Shared.Data;

/// <summary>Writes audit entries inside the caller's transaction and reads them back a page at a time.</summary>
public static class AuditLog
{
    public static Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller,
        string root, string resource, string action, string fromState, string toState, string detail = "") =>
        connection.ExecuteAsync(
            """
            INSERT INTO audit_entries (root, resource, action, actor, actor_organization, from_state, to_state, detail)
            VALUES (@root, @resource, @action, @actor, @organization, @fromState, @toState, @detail)
            """,
            new { root, resource, action, actor = caller.Subject, organization = caller.IsAdmin ? "city" : caller.Organization, fromState, toState, detail },
            transaction);

    /// <summary>
    /// One page of a resource's audit trail, as every service's ListAuditEntries answers it: page size
    /// and token are checked first (INVALID_ARGUMENT), then <paramref name="authorize"/> decides who
    /// may read (NOT_FOUND / PERMISSION_DENIED), then the page is read.
    /// </summary>
    public static async Task<(IReadOnlyList<AuditEntry> Entries, string NextPageToken)> PageAsync(NpgsqlDataSource dataSource,
        string parent, int pageSize, string pageToken, Func<Task> authorize, CancellationToken cancellationToken)
    {
        var violations = new FieldViolations();
        var size = Page.Size(pageSize, violations);
        var fingerprint = Page.Fingerprint(parent, "audit");
        var afterId = Page.AfterLong(pageToken, fingerprint, violations) ?? 0;
        violations.ThrowIfAny();
        await authorize();
        var rows = await ListAsync(dataSource, parent, afterId, size + 1, cancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString(CultureInfo.InvariantCulture), fingerprint);
        return (items.Select(r => r.Entry).ToList(), next);
    }

    /// <summary>Entries of a resource and its children, oldest first, after the given id.</summary>
    public static async Task<IReadOnlyList<(long Id, AuditEntry Entry)>> ListAsync(NpgsqlDataSource dataSource, string root, long afterId, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<AuditRow>(new CommandDefinition(
            """
            SELECT id, resource, action, actor, actor_organization, from_state, to_state, detail, create_time
            FROM audit_entries WHERE root = @root AND id > @afterId ORDER BY id LIMIT @limit
            """,
            new { root, afterId, limit }, cancellationToken: cancellationToken));
        return rows.Select(r => (r.Id, new AuditEntry
        {
            Resource = r.Resource, Action = r.Action, Actor = r.Actor, ActorOrganization = r.ActorOrganization,
            FromState = r.FromState, ToState = r.ToState, Detail = r.Detail,
            CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(r.CreateTime, DateTimeKind.Utc)),
        })).ToList();
    }

    private sealed record AuditRow(long Id, string Resource, string Action, string Actor, string ActorOrganization,
        string FromState, string ToState, string Detail, DateTime CreateTime);
}
