using System.Text;
using Collaboration.Common.V1;
using Collaboration.Labs.Model;
using Collaboration.Shared.Links;
using Collaboration.Shared.Identity;
using Dapper;
using Npgsql;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Data;

/// <summary>Typed list filters; empty values mean "any".</summary>
public sealed record LabFilter(short Kind, short Level, short State, string HostCode, string PartnerCode, string ResearchField,
    int DueForEvaluationCycle, bool ConstructionOverdue, DateOnly Today, SharedRecords? Shared = null, bool InvitationsForMe = false);

/// <summary>The platforms' SQL. Reads open their own connection; writes take the caller's transaction.</summary>
public sealed class LabStore(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource => dataSource;

    // The state sets come from Model/ and reach SQL as parameters: the rule is written once.
    private static readonly short[] PublicStates = Codes(LabLifecycle.PublicStates);
    private static readonly short[] EvaluatedStates = Codes(LabLifecycle.EvaluatedStates);
    private static readonly short[] LiveLinkStates = Links(LinkConsent.LiveStates);
    private static readonly short[] AllLinkStates = Links([.. LinkConsent.LiveStates, .. LinkConsent.EndedStates]);
    private static readonly short[] CountedLinkStates = Links(Enum.GetValues<LinkState>().Where(LinkConsent.Counts));
    private static readonly short[] ReadsInEveryStateLinks = Links(LabRules.ReadsInEveryState);
    private static readonly short[] ConstructionStates = Codes(LabLifecycle.ConstructionStates);

    private const string LabColumns =
        "l.id, l.kind, l.level, l.display_name, l.host_code, l.host_name, l.host_kind, l.research_field, l.director_name, " +
        "l.director_title, l.application_summary, l.state, l.state_reason, l.accreditation_date, l.construction_deadline, " +
        "l.upgrade_of, l.superseded_by, l.partner_count, l.create_time, l.update_time, l.version";

    private const string PartnerColumns = "id, lab_id, credit_code, org_name, org_kind, joined_date, left_date, create_time, state, answer_time, decline_reason";

    private const string EvaluationColumns = "lab_id, cycle, score, band, remarks, create_time";

    private static readonly short[] PublicPostStates = [.. PostRules.PublicStates.Select(s => (short)s)];

    private const string PostColumns =
        "id, lab_id, org_code, kind, field, engagement, state, person_name, home_code, home_name, home_kind, start_date, end_date, create_time, update_time, version";

    public async Task<LabRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<LabRow>(new CommandDefinition(
            $"SELECT {LabColumns} FROM labs l WHERE l.id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Reads and locks the row for the rest of the transaction.</summary>
    public static Task<LabRow?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id) =>
        connection.QuerySingleOrDefaultAsync<LabRow>(
            $"SELECT {LabColumns} FROM labs l WHERE l.id = @id FOR UPDATE", new { id }, transaction);

    /// <summary>The organisation's live (invited or active) link to the platform, if any: there is at most one.</summary>
    public async Task<LinkState?> LiveLinkAsync(Guid labId, string creditCode, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await LiveLinkAsync(connection, null, labId, creditCode);
    }

    public static async Task<LinkState?> LiveLinkAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid labId, string creditCode) =>
        (LinkState?)await connection.ExecuteScalarAsync<short?>(
            "SELECT state FROM lab_partners WHERE lab_id = @labId AND credit_code = @creditCode AND state = ANY(@live) LIMIT 1",
            new { labId, creditCode, live = LiveLinkStates }, transaction);

    public static Task<LabRow> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LabRow row) =>
        connection.QuerySingleAsync<LabRow>(
            $"""
            INSERT INTO labs AS l (id, kind, level, display_name, host_code, host_name, host_kind, research_field,
                director_name, director_title, application_summary, state, upgrade_of)
            VALUES (@Id, @Kind, @Level, @DisplayName, @HostCode, @HostName, @HostKind, @ResearchField,
                @DirectorName, @DirectorTitle, @ApplicationSummary, @State, @UpgradeOf)
            RETURNING {LabColumns}
            """, row, transaction);

    public static Task<LabRow> UpdateDetailsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LabRow row) =>
        connection.QuerySingleAsync<LabRow>(
            $"""
            UPDATE labs AS l SET display_name = @DisplayName, research_field = @ResearchField, director_name = @DirectorName,
                director_title = @DirectorTitle, application_summary = @ApplicationSummary, update_time = now(), version = version + 1
            WHERE l.id = @Id
            RETURNING {LabColumns}
            """, row, transaction);

    public static Task<LabRow> SetStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, short state, string reason) =>
        connection.QuerySingleAsync<LabRow>(
            $"""
            UPDATE labs AS l SET state = @state, state_reason = @reason, update_time = now(), version = version + 1
            WHERE l.id = @id
            RETURNING {LabColumns}
            """, new { id, state, reason }, transaction);

    /// <summary>Accreditation (both dates) or a deferred acceptance (deadline only, accreditation date kept).</summary>
    public static Task<LabRow> SetStateWithDatesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, short state,
        string reason, DateOnly? accreditationDate, DateOnly constructionDeadline) =>
        connection.QuerySingleAsync<LabRow>(
            $"""
            UPDATE labs AS l SET state = @state, state_reason = @reason,
                accreditation_date = COALESCE(@accreditationDate, accreditation_date), construction_deadline = @constructionDeadline,
                update_time = now(), version = version + 1
            WHERE l.id = @id
            RETURNING {LabColumns}
            """,
            new
            {
                id, state, reason,
                accreditationDate = accreditationDate?.ToDateTime(TimeOnly.MinValue),
                constructionDeadline = constructionDeadline.ToDateTime(TimeOnly.MinValue),
            }, transaction);

    public static Task<LabRow> SupersedeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, short state, Guid supersededBy) =>
        connection.QuerySingleAsync<LabRow>(
            $"""
            UPDATE labs AS l SET state = @state, superseded_by = @supersededBy, update_time = now(), version = version + 1
            WHERE l.id = @id
            RETURNING {LabColumns}
            """, new { id, state, supersededBy }, transaction);

    public static Task<LabRow> AdjustPartnerCountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, int delta) =>
        connection.QuerySingleAsync<LabRow>(
            $"""
            UPDATE labs AS l SET partner_count = partner_count + @delta, update_time = now(), version = version + 1
            WHERE l.id = @id
            RETURNING {LabColumns}
            """, new { id, delta }, transaction);

    /// <summary>
    /// One page of the platforms the caller may see, in id order after <paramref name="after"/>.
    /// The visibility clause is LabRules.CanRead with its state sets as parameters; filters are added only when set.
    /// </summary>
    public async Task<IReadOnlyList<LabRow>> ListAsync(Caller caller, LabFilter filter, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {LabColumns} FROM labs l WHERE TRUE");
        if (filter.Shared is not null)
        {
            // "Shared with me": a grant is the visibility here, as on Get, honoured only when the grantor hosts the platform.
            sql.Append(" AND EXISTS (SELECT 1 FROM unnest(@sharedIds, @sharedOwners) AS s(id, owner) WHERE s.id = l.id AND s.owner = l.host_code)");
        }
        else if (!caller.IsAdmin)
        {
            sql.Append("""
                 AND (l.host_code = @org OR l.state = ANY(@publicStates)
                      OR EXISTS (SELECT 1 FROM lab_partners v
                          WHERE v.lab_id = l.id AND v.credit_code = @org
                            AND v.state = ANY(@everyStateLinks)))
                """);
        }
        if (filter.Kind != 0)
        {
            sql.Append(" AND l.kind = @kind");
        }
        if (filter.Level != 0)
        {
            sql.Append(" AND l.level = @level");
        }
        if (filter.State != 0)
        {
            sql.Append(" AND l.state = @state");
        }
        if (filter.HostCode.Length > 0)
        {
            sql.Append(" AND l.host_code = @host");
        }
        if (filter.PartnerCode.Length > 0)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM lab_partners p WHERE p.lab_id = l.id AND p.credit_code = @partner AND p.state = ANY(@counted))");
        }
        if (filter.InvitationsForMe)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM lab_partners i WHERE i.lab_id = l.id AND i.credit_code = @org AND i.state = @invited)");
        }
        if (filter.ResearchField.Length > 0)
        {
            sql.Append(" AND l.research_field = @field");
        }
        if (filter.DueForEvaluationCycle != 0)
        {
            sql.Append(" AND l.state = ANY(@evaluatedStates) AND NOT EXISTS (SELECT 1 FROM lab_evaluations e WHERE e.lab_id = l.id AND e.cycle = @cycle)");
        }
        if (filter.ConstructionOverdue)
        {
            sql.Append(" AND l.state = ANY(@constructionStates) AND l.construction_deadline < @today");
        }
        if (after is not null)
        {
            sql.Append(" AND l.id > @after");
        }
        sql.Append(" ORDER BY l.id LIMIT @limit");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<LabRow>(new CommandDefinition(sql.ToString(), new
        {
            org = caller.Organization,
            publicStates = PublicStates,
            everyStateLinks = ReadsInEveryStateLinks,
            counted = CountedLinkStates,
            invited = (short)LinkState.Invited,
            evaluatedStates = EvaluatedStates,
            constructionStates = ConstructionStates,
            kind = filter.Kind,
            level = filter.Level,
            state = filter.State,
            host = filter.HostCode,
            partner = filter.PartnerCode,
            field = filter.ResearchField,
            cycle = filter.DueForEvaluationCycle,
            today = filter.Today.ToDateTime(TimeOnly.MinValue),
            sharedIds = filter.Shared?.Ids,
            sharedOwners = filter.Shared?.Owners,
            after,
            limit,
        }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public static Task<PartnerRow> InsertPartnerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PartnerRow row) =>
        connection.QuerySingleAsync<PartnerRow>(
            $"""
            INSERT INTO lab_partners (id, lab_id, credit_code, org_name, org_kind, joined_date, state)
            VALUES (@Id, @LabId, @CreditCode, @OrgName, @OrgKind, @JoinedDate, @State)
            RETURNING {PartnerColumns}
            """, row, transaction);

    public static Task<PartnerRow?> LockPartnerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid labId, Guid partnerId) =>
        connection.QuerySingleOrDefaultAsync<PartnerRow>(
            $"SELECT {PartnerColumns} FROM lab_partners WHERE lab_id = @labId AND id = @partnerId FOR UPDATE",
            new { labId, partnerId }, transaction);

    /// <summary>
    /// Moves a link to <paramref name="state"/>: an answer stamps answer_time (an acceptance also sets the joined date
    /// when the host gave none), an end sets <paramref name="leftDate"/>.
    /// </summary>
    public static Task<PartnerRow> SetLinkStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid partnerId,
        LinkState state, bool answered, DateOnly? joinedIfUnset, DateOnly? leftDate, string declineReason) =>
        connection.QuerySingleAsync<PartnerRow>(
            $"""
            UPDATE lab_partners SET state = @state,
                answer_time = CASE WHEN @answered THEN now() ELSE answer_time END,
                joined_date = COALESCE(joined_date, @joinedIfUnset::date), left_date = COALESCE(@leftDate::date, left_date),
                decline_reason = @declineReason
            WHERE id = @partnerId RETURNING {PartnerColumns}
            """,
            new
            {
                partnerId, state = (short)state, answered, declineReason,
                joinedIfUnset = joinedIfUnset?.ToDateTime(TimeOnly.MinValue), leftDate = leftDate?.ToDateTime(TimeOnly.MinValue),
            }, transaction);

    /// <summary>The live links (invited or active), and with <paramref name="includeEnded"/> the ended ones too.</summary>
    public async Task<IReadOnlyList<PartnerRow>> ListPartnersAsync(Guid labId, bool includeEnded, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PartnerRow>(new CommandDefinition(
            $"""
            SELECT {PartnerColumns} FROM lab_partners
            WHERE lab_id = @labId AND state = ANY(@states) AND id > @after
            ORDER BY id LIMIT @limit
            """,
            new { labId, states = includeEnded ? AllLinkStates : LiveLinkStates, after = after ?? Guid.Empty, limit },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Null when the cycle already has an evaluation.</summary>
    public static Task<EvaluationRow?> InsertEvaluationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationRow row) =>
        connection.QuerySingleOrDefaultAsync<EvaluationRow>(
            $"""
            INSERT INTO lab_evaluations (lab_id, cycle, score, band, remarks)
            VALUES (@LabId, @Cycle, @Score, @Band, @Remarks)
            ON CONFLICT (lab_id, cycle) DO NOTHING
            RETURNING {EvaluationColumns}
            """, row, transaction);

    /// <summary>Whether any of <paramref name="cycles"/> (LabGrading.ConsecutiveCycles) has an unqualified result on file.</summary>
    public static Task<bool> AnyCycleUnqualifiedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid labId, int[] cycles, short unqualified) =>
        connection.ExecuteScalarAsync<bool>(
            """
            SELECT EXISTS (SELECT 1 FROM lab_evaluations
                           WHERE lab_id = @labId AND cycle = ANY(@cycles) AND band = @unqualified)
            """, new { labId, cycles, unqualified }, transaction);

    public static Task<EvaluationRow?> LatestEvaluationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid labId) =>
        connection.QuerySingleOrDefaultAsync<EvaluationRow>(
            $"SELECT {EvaluationColumns} FROM lab_evaluations WHERE lab_id = @labId ORDER BY cycle DESC LIMIT 1",
            new { labId }, transaction);

    /// <summary>Evaluated platforms (LabLifecycle.EvaluatedStates) with no filing for the cycle, locked, in id order (a stable lock order).</summary>
    public static async Task<IReadOnlyList<LabRow>> LockUnfiledAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int cycle) =>
        (await connection.QueryAsync<LabRow>(
            $"""
            SELECT {LabColumns} FROM labs l
            WHERE l.state = ANY(@evaluatedStates) AND NOT EXISTS (SELECT 1 FROM lab_evaluations e WHERE e.lab_id = l.id AND e.cycle = @cycle)
            ORDER BY l.id
            FOR UPDATE
            """, new { cycle, evaluatedStates = EvaluatedStates }, transaction)).AsList();

    public async Task<IReadOnlyList<EvaluationRow>> ListEvaluationsAsync(Guid labId, int afterCycle, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<EvaluationRow>(new CommandDefinition(
            $"SELECT {EvaluationColumns} FROM lab_evaluations WHERE lab_id = @labId AND cycle > @afterCycle ORDER BY cycle LIMIT @limit",
            new { labId, afterCycle, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public static Task<PostRow> InsertPostAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostRow row) =>
        connection.QuerySingleAsync<PostRow>(
            $"""
            INSERT INTO posts (id, lab_id, org_code, kind, field, engagement, state)
            VALUES (@Id, @LabId, @OrgCode, @Kind, @Field, @Engagement, @State)
            RETURNING {PostColumns}
            """, row, transaction);

    public static Task<PostRow?> LockPostAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostParent parent, Guid postId) =>
        connection.QuerySingleOrDefaultAsync<PostRow>(
            $"""
            SELECT {PostColumns} FROM posts
            WHERE id = @postId AND lab_id IS NOT DISTINCT FROM @labId AND org_code IS NOT DISTINCT FROM @orgCode
            FOR UPDATE
            """,
            new { postId, labId = parent.LabId, orgCode = parent.OrganizationCode }, transaction);

    public async Task<PostRow?> FindOrganizationPostAsync(string orgCode, Guid postId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<PostRow>(new CommandDefinition(
            $"SELECT {PostColumns} FROM posts WHERE id = @postId AND org_code = @orgCode",
            new { postId, orgCode }, cancellationToken: cancellationToken));
    }

    public static Task<PostRow> FillPostAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid postId, short state,
        string personName, string homeCode, string homeName, short homeKind, DateOnly startDate, DateOnly? endDate) =>
        connection.QuerySingleAsync<PostRow>(
            $"""
            UPDATE posts SET state = @state, person_name = @personName, home_code = @homeCode, home_name = @homeName,
                home_kind = @homeKind, start_date = @startDate, end_date = @endDate, update_time = now(), version = version + 1
            WHERE id = @postId
            RETURNING {PostColumns}
            """,
            new
            {
                postId, state, personName, homeCode, homeName, homeKind,
                startDate = startDate.ToDateTime(TimeOnly.MinValue), endDate = endDate?.ToDateTime(TimeOnly.MinValue),
            }, transaction);

    public static Task<PostRow> SetPostStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid postId, short state) =>
        connection.QuerySingleAsync<PostRow>(
            $"UPDATE posts SET state = @state, update_time = now(), version = version + 1 WHERE id = @postId RETURNING {PostColumns}",
            new { postId, state }, transaction);

    public async Task<IReadOnlyList<PostRow>> ListPostsAsync(Guid labId, short state, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PostRow>(new CommandDefinition(
            $"""
            SELECT {PostColumns} FROM posts
            WHERE lab_id = @labId AND (@state = 0 OR state = @state) AND id > @after
            ORDER BY id LIMIT @limit
            """,
            new { labId, state, after = after ?? Guid.Empty, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// Posts of one organisation (or of every organisation when <paramref name="orgCode"/> is null) that the caller
    /// may read: all of them for admins and the organisation itself, the others in PostRules.PublicStates.
    /// </summary>
    public async Task<IReadOnlyList<PostRow>> ListOrganizationPostsAsync(string? orgCode, short state, Caller caller, Guid? after, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PostRow>(new CommandDefinition(
            $"""
            SELECT {PostColumns} FROM posts
            WHERE org_code IS NOT NULL AND (@orgCode::text IS NULL OR org_code = @orgCode)
              AND (@state = 0 OR state = @state)
              AND (@admin OR org_code = @callerOrg OR state = ANY(@publicStates))
              AND id > @after
            ORDER BY id LIMIT @limit
            """,
            new
            {
                orgCode, state, admin = caller.IsAdmin, callerOrg = caller.IsAdmin ? "" : caller.Organization,
                publicStates = PublicPostStates, after = after ?? Guid.Empty, limit,
            }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    private static short[] Codes(IEnumerable<State> states) => [.. states.Select(s => (short)s)];

    private static short[] Links(IEnumerable<LinkState> states) => [.. states.Select(s => (short)s)];

    /// <summary>Platforms per kind × level × state: what the gauge reports.</summary>
    public IReadOnlyList<(short Kind, short Level, short State, long Count)> Counts()
    {
        using var connection = dataSource.OpenConnection();
        return connection.Query<(short, short, short, long)>(
            "SELECT kind, level, state, count(*) FROM labs GROUP BY kind, level, state", commandTimeout: 5).AsList();
    }
}
