using System.Text;
using Collaboration.Alliances.Model;
using Collaboration.Common.V1;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Links;
using Dapper;
using Npgsql;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Data;

/// <summary>Typed list filters; empty values mean "any".</summary>
/// <param name="Shared">"Shared with me": only these granted records (null: no such filter).</param>
/// <param name="InvitationsForMe">Only alliances with an invitation awaiting the caller's organisation's answer.</param>
public sealed record AllianceFilter(short State, string IndustryChain, string MemberCode, int FoundedYear, SharedRecords? Shared = null,
    bool InvitationsForMe = false);

/// <summary>The alliances' SQL. Reads open their own connection; writes take the caller's transaction.</summary>
public sealed class AllianceStore(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource => dataSource;

    // The visibility rule's state sets come from Model/ and reach SQL as parameters: the rule is written once.
    private static readonly short[] PublicStates = [.. AllianceLifecycle.PublicStates.Select(s => (short)s)];
    private static readonly short[] LiveStates = [.. LinkConsent.LiveStates.Select(s => (short)s)];
    private const short Active = (short)LinkState.Active;
    private const short Invited = (short)LinkState.Invited;

    private const string AllianceColumns =
        "a.id, a.display_name, a.short_name, a.industry_chain, a.lead_code, a.lead_name, a.charter_summary, a.founded_date, " +
        "a.state, a.state_reason, a.member_count, a.create_time, a.update_time, a.version";

    private const string MemberColumns =
        "id, alliance_id, credit_code, org_name, org_kind, role, joined_date, left_date, create_time, state, answer_time, decline_reason";

    public async Task<AllianceRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<AllianceRow>(new CommandDefinition(
            $"SELECT {AllianceColumns} FROM alliances a WHERE a.id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Reads and locks the row for the rest of the transaction.</summary>
    public static Task<AllianceRow?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id) =>
        connection.QuerySingleOrDefaultAsync<AllianceRow>(
            $"SELECT {AllianceColumns} FROM alliances a WHERE a.id = @id FOR UPDATE", new { id }, transaction);

    public async Task<bool> IsLinkedAsync(Guid allianceId, string creditCode, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await IsLinkedAsync(connection, null, allianceId, creditCode);
    }

    /// <summary>Whether the organisation is invited to or an active member of the alliance (a live link).</summary>
    public static Task<bool> IsLinkedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid allianceId, string creditCode) =>
        connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM alliance_members WHERE alliance_id = @allianceId AND credit_code = @creditCode AND state = ANY(@live))",
            new { allianceId, creditCode, live = LiveStates }, transaction);

    public static Task<AllianceRow> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AllianceRow row) =>
        connection.QuerySingleAsync<AllianceRow>(
            $"""
            INSERT INTO alliances AS a (id, display_name, short_name, industry_chain, lead_code, lead_name, charter_summary, founded_date, state)
            VALUES (@Id, @DisplayName, @ShortName, @IndustryChain, @LeadCode, @LeadName, @CharterSummary, @FoundedDate, @State)
            RETURNING {AllianceColumns}
            """, row, transaction);

    public static Task<AllianceRow> UpdateDetailsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AllianceRow row) =>
        connection.QuerySingleAsync<AllianceRow>(
            $"""
            UPDATE alliances AS a SET display_name = @DisplayName, short_name = @ShortName, industry_chain = @IndustryChain,
                charter_summary = @CharterSummary, founded_date = @FoundedDate, update_time = now(), version = version + 1
            WHERE a.id = @Id
            RETURNING {AllianceColumns}
            """, row, transaction);

    public static Task<AllianceRow> SetStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, short state, string reason) =>
        connection.QuerySingleAsync<AllianceRow>(
            $"""
            UPDATE alliances AS a SET state = @state, state_reason = @reason, update_time = now(), version = version + 1
            WHERE a.id = @id
            RETURNING {AllianceColumns}
            """, new { id, state, reason }, transaction);

    /// <summary>Membership changes count as a change of the alliance (its member count and etag move).</summary>
    public static Task<AllianceRow> AdjustMemberCountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, int delta) =>
        connection.QuerySingleAsync<AllianceRow>(
            $"""
            UPDATE alliances AS a SET member_count = member_count + @delta, update_time = now(), version = version + 1
            WHERE a.id = @id
            RETURNING {AllianceColumns}
            """, new { id, delta }, transaction);

    /// <summary>
    /// One page of the alliances the caller may see, in id order after <paramref name="after"/>.
    /// The visibility clause is AllianceAccess.CanRead with its state sets as parameters; filters are added only when set, so
    /// each combination gets its own plan.
    /// </summary>
    public async Task<IReadOnlyList<AllianceRow>> ListAsync(Caller caller, AllianceFilter filter, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {AllianceColumns} FROM alliances a WHERE TRUE");
        if (filter.Shared is not null)
        {
            // A grant is the visibility here, as on Get: honoured only when the grantor leads the alliance.
            sql.Append(" AND EXISTS (SELECT 1 FROM unnest(@sharedIds, @sharedOwners) AS s(id, owner) WHERE s.id = a.id AND s.owner = a.lead_code)");
        }
        else if (!caller.IsAdmin)
        {
            sql.Append("""
                 AND (a.lead_code = @org OR a.state = ANY(@publicStates)
                      OR EXISTS (SELECT 1 FROM alliance_members v
                          WHERE v.alliance_id = a.id AND v.credit_code = @org AND v.state = ANY(@live)))
                """);
        }
        if (filter.InvitationsForMe)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM alliance_members i WHERE i.alliance_id = a.id AND i.credit_code = @org AND i.state = @invited)");
        }
        if (filter.State != 0)
        {
            sql.Append(" AND a.state = @state");
        }
        if (filter.IndustryChain.Length > 0)
        {
            sql.Append(" AND a.industry_chain = @chain");
        }
        if (filter.MemberCode.Length > 0)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM alliance_members m WHERE m.alliance_id = a.id AND m.credit_code = @member AND m.state = @active)");
        }
        if (filter.FoundedYear != 0)
        {
            sql.Append(" AND a.founded_date >= make_date(@year, 1, 1) AND a.founded_date < make_date(@year + 1, 1, 1)");
        }
        if (after is not null)
        {
            sql.Append(" AND a.id > @after");
        }
        sql.Append(" ORDER BY a.id LIMIT @limit");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<AllianceRow>(new CommandDefinition(sql.ToString(), new
        {
            org = caller.Organization,
            publicStates = PublicStates,
            live = LiveStates,
            invited = Invited,
            active = Active,
            state = filter.State,
            chain = filter.IndustryChain,
            member = filter.MemberCode,
            year = filter.FoundedYear,
            sharedIds = filter.Shared?.Ids,
            sharedOwners = filter.Shared?.Owners,
            after,
            limit,
        }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public static Task<MemberRow> InsertMemberAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MemberRow row) =>
        connection.QuerySingleAsync<MemberRow>(
            $"""
            INSERT INTO alliance_members (id, alliance_id, credit_code, org_name, org_kind, role, joined_date, state)
            VALUES (@Id, @AllianceId, @CreditCode, @OrgName, @OrgKind, @Role, @JoinedDate, @State)
            RETURNING {MemberColumns}
            """, row, transaction);

    public static Task<MemberRow?> LockMemberAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid allianceId, Guid memberId) =>
        connection.QuerySingleOrDefaultAsync<MemberRow>(
            $"SELECT {MemberColumns} FROM alliance_members WHERE alliance_id = @allianceId AND id = @memberId FOR UPDATE",
            new { allianceId, memberId }, transaction);

    /// <summary>Accepted: active from the joined date the lead gave, or from <paramref name="today"/>.</summary>
    public static Task<MemberRow> AcceptAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid memberId, DateOnly today) =>
        connection.QuerySingleAsync<MemberRow>(
            $"""
            UPDATE alliance_members SET state = @active, answer_time = now(), joined_date = coalesce(joined_date, @today)
            WHERE id = @memberId RETURNING {MemberColumns}
            """, new { memberId, today, active = Active }, transaction);

    public static Task<MemberRow> DeclineAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid memberId, string reason) =>
        connection.QuerySingleAsync<MemberRow>(
            $"""
            UPDATE alliance_members SET state = @declined, answer_time = now(), decline_reason = @reason
            WHERE id = @memberId RETURNING {MemberColumns}
            """, new { memberId, reason, declined = (short)LinkState.Declined }, transaction);

    /// <summary>Withdrawn (no date) or left (with the date it ended).</summary>
    public static Task<MemberRow> EndLinkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid memberId, LinkState state, DateOnly? leftDate) =>
        connection.QuerySingleAsync<MemberRow>(
            $"UPDATE alliance_members SET state = @state, left_date = @leftDate WHERE id = @memberId RETURNING {MemberColumns}",
            new { memberId, state = (short)state, leftDate = leftDate?.ToDateTime(TimeOnly.MinValue) }, transaction);

    /// <summary>Kinds (as registered) and roles of the active members: what approval checks.</summary>
    public static async Task<IReadOnlyList<(short Kind, short Role)>> CurrentMembersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid allianceId) =>
        (await connection.QueryAsync<(short, short)>(
            "SELECT org_kind, role FROM alliance_members WHERE alliance_id = @allianceId AND state = @active",
            new { allianceId, active = Active }, transaction)).AsList();

    public async Task<IReadOnlyList<MemberRow>> ListMembersAsync(Guid allianceId, bool includeEnded, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<MemberRow>(new CommandDefinition(
            $"""
            SELECT {MemberColumns} FROM alliance_members
            WHERE alliance_id = @allianceId AND (@includeEnded OR state = ANY(@live)) AND id > @after
            ORDER BY id LIMIT @limit
            """,
            new { allianceId, includeEnded, live = LiveStates, after = after ?? Guid.Empty, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public static async Task<EvaluationRow?> InsertEvaluationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationRow row) =>
        await connection.QuerySingleOrDefaultAsync<EvaluationRow>(
            """
            INSERT INTO alliance_evaluations (alliance_id, year, score, grade, remarks)
            VALUES (@AllianceId, @Year, @Score, @Grade, @Remarks)
            ON CONFLICT (alliance_id, year) DO NOTHING
            RETURNING alliance_id, year, score, grade, remarks, create_time
            """, row, transaction);

    public async Task<IReadOnlyList<EvaluationRow>> ListEvaluationsAsync(Guid allianceId, int afterYear, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<EvaluationRow>(new CommandDefinition(
            """
            SELECT alliance_id, year, score, grade, remarks, create_time FROM alliance_evaluations
            WHERE alliance_id = @allianceId AND year > @afterYear ORDER BY year LIMIT @limit
            """,
            new { allianceId, afterYear, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
