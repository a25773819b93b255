using System.Text;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Links;
using Dapper;
using Npgsql;

namespace Collaboration.IndustrialColleges.Data;

/// <summary>Typed list filters; empty values mean "any".</summary>
public sealed record CollegeFilter(short State, string IndustryChain, string PartnerCode, SharedRecords? Shared = null, bool InvitationsForMe = false);

/// <summary>The kinds of contribution a partner enterprise makes.</summary>
public enum Contribution
{
    Course,
    TrainingBase,
    Mentor,
}

/// <summary>The industrial colleges' SQL. Reads open their own connection; writes take the caller's transaction.</summary>
public sealed class IndustrialCollegeStore(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource => dataSource;

    // The visibility rule's state set comes from Model/ and reaches SQL as a parameter: the rule is written once.
    private static readonly short[] PublicStates = [.. CollegeLifecycle.PublicStates.Select(s => (short)s)];

    // The consent table's sets, the same way: live links (invited or active) let an enterprise read the college;
    // only active ones count.
    private static readonly short[] LiveLinks = [.. LinkConsent.LiveStates.Select(s => (short)s)];
    private static readonly short[] CountedLinks = [.. Enum.GetValues<Collaboration.Common.V1.LinkState>().Where(LinkConsent.Counts).Select(s => (short)s)];
    private const short Invited = (short)Collaboration.Common.V1.LinkState.Invited;

    private const string CollegeColumns =
        "c.id, c.display_name, c.host_code, c.host_name, c.host_kind, c.industry_chain, c.enrolment_capacity, " +
        "c.major_catalogue_year, c.major_codes, c.state, c.state_reason, c.partner_count, c.create_time, c.update_time, c.version";

    private const string PartnerColumns =
        "id, college_id, credit_code, org_name, org_kind, role, state, joined_date, left_date, answer_time, decline_reason, create_time";
    private const string CourseColumns = "id, college_id, title, hours, enterprise_code, major_codes, create_time, update_time, version";
    private const string BaseColumns = "id, college_id, display_name, enterprise_code, address, capacity, create_time, update_time, version";
    private const string MentorColumns = "id, college_id, display_name, enterprise_code, specialty, title, create_time, update_time, version";
    private const string ReportColumns =
        "college_id, year, enrolment, graduates, graduates_cohort_year, courses_delivered, co_developed_courses_delivered, " +
        "mentor_hours, trainees_hosted, state, create_time, update_time, version";

    public async Task<CollegeRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CollegeRow>(new CommandDefinition(
            $"SELECT {CollegeColumns} FROM industrial_colleges c WHERE c.id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Reads and locks the row for the rest of the transaction.</summary>
    public static Task<CollegeRow?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id) =>
        connection.QuerySingleOrDefaultAsync<CollegeRow>(
            $"SELECT {CollegeColumns} FROM industrial_colleges c WHERE c.id = @id FOR UPDATE", new { id }, transaction);

    /// <summary>Whether the enterprise has a live link (invited or active) to the college: what lets it read the college.</summary>
    public async Task<bool> IsLinkedAsync(Guid collegeId, string creditCode, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await HasLinkAsync(connection, null, collegeId, creditCode, LiveLinks);
    }

    public static Task<bool> IsLinkedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid collegeId, string creditCode) =>
        HasLinkAsync(connection, transaction, collegeId, creditCode, LiveLinks);

    /// <summary>Whether the enterprise is a current partner: an active link, the only kind that counts.</summary>
    public static Task<bool> IsActivePartnerAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid collegeId, string creditCode) =>
        HasLinkAsync(connection, transaction, collegeId, creditCode, CountedLinks);

    private static Task<bool> HasLinkAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid collegeId, string creditCode, short[] states) =>
        connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM college_partners WHERE college_id = @collegeId AND credit_code = @creditCode AND state = ANY(@states))",
            new { collegeId, creditCode, states }, transaction);

    public static Task<CollegeRow> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CollegeRow row) =>
        connection.QuerySingleAsync<CollegeRow>(
            $"""
            INSERT INTO industrial_colleges AS c (id, display_name, host_code, host_name, host_kind, industry_chain,
                enrolment_capacity, major_catalogue_year, major_codes, state)
            VALUES (@Id, @DisplayName, @HostCode, @HostName, @HostKind, @IndustryChain, @EnrolmentCapacity, @MajorCatalogueYear, @MajorCodes, @State)
            RETURNING {CollegeColumns}
            """, row, transaction);

    public static Task<CollegeRow> UpdateDetailsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CollegeRow row) =>
        connection.QuerySingleAsync<CollegeRow>(
            $"""
            UPDATE industrial_colleges AS c SET display_name = @DisplayName, industry_chain = @IndustryChain,
                enrolment_capacity = @EnrolmentCapacity, major_catalogue_year = @MajorCatalogueYear, major_codes = @MajorCodes,
                update_time = now(), version = version + 1
            WHERE c.id = @Id
            RETURNING {CollegeColumns}
            """, row, transaction);

    public static Task<CollegeRow> SetStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, short state, string reason) =>
        connection.QuerySingleAsync<CollegeRow>(
            $"""
            UPDATE industrial_colleges AS c SET state = @state, state_reason = @reason, update_time = now(), version = version + 1
            WHERE c.id = @id
            RETURNING {CollegeColumns}
            """, new { id, state, reason }, transaction);

    /// <summary>Partner changes count as a change of the college (its partner count and etag move).</summary>
    public static Task<CollegeRow> AdjustPartnerCountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, int delta) =>
        connection.QuerySingleAsync<CollegeRow>(
            $"""
            UPDATE industrial_colleges AS c SET partner_count = partner_count + @delta, update_time = now(), version = version + 1
            WHERE c.id = @id
            RETURNING {CollegeColumns}
            """, new { id, delta }, transaction);

    /// <summary>
    /// One page of the colleges the caller may see, in id order after <paramref name="after"/>.
    /// The visibility clause is CollegeAccess.CanRead with its state set as a parameter.
    /// </summary>
    public async Task<IReadOnlyList<CollegeRow>> ListAsync(Caller caller, CollegeFilter filter, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {CollegeColumns} FROM industrial_colleges c WHERE TRUE");
        if (filter.Shared is not null)
        {
            // "Shared with me": a grant is the visibility here, as on Get, honoured only when the grantor hosts the college.
            sql.Append(" AND EXISTS (SELECT 1 FROM unnest(@sharedIds, @sharedOwners) AS s(id, owner) WHERE s.id = c.id AND s.owner = c.host_code)");
        }
        else if (!caller.IsAdmin)
        {
            sql.Append("""
                 AND (c.host_code = @org OR c.state = ANY(@publicStates)
                      OR EXISTS (SELECT 1 FROM college_partners v WHERE v.college_id = c.id AND v.credit_code = @org AND v.state = ANY(@liveLinks)))
                """);
        }
        if (filter.State != 0)
        {
            sql.Append(" AND c.state = @state");
        }
        if (filter.IndustryChain.Length > 0)
        {
            sql.Append(" AND c.industry_chain = @chain");
        }
        if (filter.PartnerCode.Length > 0)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM college_partners p WHERE p.college_id = c.id AND p.credit_code = @partner AND p.state = ANY(@countedLinks))");
        }
        if (filter.InvitationsForMe)
        {
            // Invitations are answered by an organisation; an admin acts for none and has none.
            sql.Append(caller.IsAdmin
                ? " AND FALSE"
                : " AND EXISTS (SELECT 1 FROM college_partners i WHERE i.college_id = c.id AND i.credit_code = @org AND i.state = @invited)");
        }
        if (after is not null)
        {
            sql.Append(" AND c.id > @after");
        }
        sql.Append(" ORDER BY c.id LIMIT @limit");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<CollegeRow>(new CommandDefinition(sql.ToString(), new
        {
            org = caller.Organization,
            publicStates = PublicStates,
            liveLinks = LiveLinks,
            countedLinks = CountedLinks,
            invited = Invited,
            state = filter.State,
            chain = filter.IndustryChain,
            partner = filter.PartnerCode,
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
            INSERT INTO college_partners (id, college_id, credit_code, org_name, org_kind, role, state, joined_date)
            VALUES (@Id, @CollegeId, @CreditCode, @OrgName, @OrgKind, @Role, @State, @JoinedDate)
            RETURNING {PartnerColumns}
            """, row, transaction);

    /// <summary>The enterprise accepted: the link is active from the joined date the host gave, or from today.</summary>
    public static Task<PartnerRow> AcceptPartnerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid partnerId, short state, DateOnly today) =>
        connection.QuerySingleAsync<PartnerRow>(
            $"""
            UPDATE college_partners SET state = @state, answer_time = now(), joined_date = COALESCE(joined_date, @today)
            WHERE id = @partnerId
            RETURNING {PartnerColumns}
            """, new { partnerId, state, today }, transaction);

    public static Task<PartnerRow> DeclinePartnerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid partnerId, short state, string reason) =>
        connection.QuerySingleAsync<PartnerRow>(
            $"UPDATE college_partners SET state = @state, answer_time = now(), decline_reason = @reason WHERE id = @partnerId RETURNING {PartnerColumns}",
            new { partnerId, state, reason }, transaction);

    public static Task<PartnerRow?> LockPartnerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid collegeId, Guid partnerId) =>
        connection.QuerySingleOrDefaultAsync<PartnerRow>(
            $"SELECT {PartnerColumns} FROM college_partners WHERE college_id = @collegeId AND id = @partnerId FOR UPDATE",
            new { collegeId, partnerId }, transaction);

    /// <summary>Ends the link: withdrawn (no left date: it never took effect) or left on <paramref name="leftDate"/>.</summary>
    public static Task<PartnerRow> EndPartnershipAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid partnerId, short state,
        DateOnly? leftDate) =>
        connection.QuerySingleAsync<PartnerRow>(
            $"UPDATE college_partners SET state = @state, left_date = @leftDate WHERE id = @partnerId RETURNING {PartnerColumns}",
            new { partnerId, state, leftDate }, transaction);

    public async Task<IReadOnlyList<PartnerRow>> ListPartnersAsync(Guid collegeId, bool includeEnded, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PartnerRow>(new CommandDefinition(
            $"""
            SELECT {PartnerColumns} FROM college_partners
            WHERE college_id = @collegeId AND (@includeEnded OR state = ANY(@liveLinks)) AND id > @after
            ORDER BY id LIMIT @limit
            """,
            new { collegeId, includeEnded, liveLinks = LiveLinks, after = after ?? Guid.Empty, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public static Task<CourseRow> InsertCourseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CourseRow row) =>
        connection.QuerySingleAsync<CourseRow>(
            $"""
            INSERT INTO college_courses (id, college_id, title, hours, enterprise_code, major_codes)
            VALUES (@Id, @CollegeId, @Title, @Hours, @EnterpriseCode, @MajorCodes)
            RETURNING {CourseColumns}
            """, row, transaction);

    public static Task<TrainingBaseRow> InsertTrainingBaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TrainingBaseRow row) =>
        connection.QuerySingleAsync<TrainingBaseRow>(
            $"""
            INSERT INTO college_training_bases (id, college_id, display_name, enterprise_code, address, capacity)
            VALUES (@Id, @CollegeId, @DisplayName, @EnterpriseCode, @Address, @Capacity)
            RETURNING {BaseColumns}
            """, row, transaction);

    public static Task<MentorRow> InsertMentorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MentorRow row) =>
        connection.QuerySingleAsync<MentorRow>(
            $"""
            INSERT INTO college_mentors (id, college_id, display_name, enterprise_code, specialty, title)
            VALUES (@Id, @CollegeId, @DisplayName, @EnterpriseCode, @Specialty, @Title)
            RETURNING {MentorColumns}
            """, row, transaction);

    public Task<CourseRow?> FindCourseAsync(Guid collegeId, Guid id, CancellationToken cancellationToken) =>
        FindChildAsync<CourseRow>($"SELECT {CourseColumns} FROM college_courses WHERE college_id = @collegeId AND id = @id",
            collegeId, id, cancellationToken);

    public Task<TrainingBaseRow?> FindTrainingBaseAsync(Guid collegeId, Guid id, CancellationToken cancellationToken) =>
        FindChildAsync<TrainingBaseRow>($"SELECT {BaseColumns} FROM college_training_bases WHERE college_id = @collegeId AND id = @id",
            collegeId, id, cancellationToken);

    public Task<MentorRow?> FindMentorAsync(Guid collegeId, Guid id, CancellationToken cancellationToken) =>
        FindChildAsync<MentorRow>($"SELECT {MentorColumns} FROM college_mentors WHERE college_id = @collegeId AND id = @id",
            collegeId, id, cancellationToken);

    private async Task<T?> FindChildAsync<T>(string sql, Guid collegeId, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, new { collegeId, id }, cancellationToken: cancellationToken));
    }

    /// <summary>Reads and locks the course for the rest of the transaction; null when the college has no such course.</summary>
    public static Task<CourseRow?> LockCourseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid collegeId, Guid id) =>
        connection.QuerySingleOrDefaultAsync<CourseRow>(
            $"SELECT {CourseColumns} FROM college_courses WHERE college_id = @collegeId AND id = @id FOR UPDATE", new { collegeId, id }, transaction);

    public static Task<TrainingBaseRow?> LockTrainingBaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid collegeId, Guid id) =>
        connection.QuerySingleOrDefaultAsync<TrainingBaseRow>(
            $"SELECT {BaseColumns} FROM college_training_bases WHERE college_id = @collegeId AND id = @id FOR UPDATE", new { collegeId, id }, transaction);

    public static Task<MentorRow?> LockMentorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid collegeId, Guid id) =>
        connection.QuerySingleOrDefaultAsync<MentorRow>(
            $"SELECT {MentorColumns} FROM college_mentors WHERE college_id = @collegeId AND id = @id FOR UPDATE", new { collegeId, id }, transaction);

    public static Task<CourseRow> UpdateCourseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CourseRow row) =>
        connection.QuerySingleAsync<CourseRow>(
            $"""
            UPDATE college_courses SET title = @Title, hours = @Hours, major_codes = @MajorCodes, update_time = now(), version = version + 1
            WHERE id = @Id
            RETURNING {CourseColumns}
            """, row, transaction);

    public static Task<TrainingBaseRow> UpdateTrainingBaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TrainingBaseRow row) =>
        connection.QuerySingleAsync<TrainingBaseRow>(
            $"""
            UPDATE college_training_bases SET display_name = @DisplayName, address = @Address, capacity = @Capacity,
                update_time = now(), version = version + 1
            WHERE id = @Id
            RETURNING {BaseColumns}
            """, row, transaction);

    public static Task<MentorRow> UpdateMentorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MentorRow row) =>
        connection.QuerySingleAsync<MentorRow>(
            $"""
            UPDATE college_mentors SET display_name = @DisplayName, specialty = @Specialty, title = @Title,
                update_time = now(), version = version + 1
            WHERE id = @Id
            RETURNING {MentorColumns}
            """, row, transaction);

    private const string LockCourseSql = "SELECT enterprise_code FROM college_courses WHERE college_id = @collegeId AND id = @id FOR UPDATE";
    private const string LockBaseSql = "SELECT enterprise_code FROM college_training_bases WHERE college_id = @collegeId AND id = @id FOR UPDATE";
    private const string LockMentorSql = "SELECT enterprise_code FROM college_mentors WHERE college_id = @collegeId AND id = @id FOR UPDATE";
    private const string DeleteCourseSql = "DELETE FROM college_courses WHERE id = @id";
    private const string DeleteBaseSql = "DELETE FROM college_training_bases WHERE id = @id";
    private const string DeleteMentorSql = "DELETE FROM college_mentors WHERE id = @id";

    /// <summary>The enterprise that contributed the item (locked), or null when there is no such item.</summary>
    public static Task<string?> LockContributionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Contribution kind, Guid collegeId, Guid id) =>
        connection.QuerySingleOrDefaultAsync<string?>(kind switch
        {
            Contribution.Course => LockCourseSql,
            Contribution.TrainingBase => LockBaseSql,
            _ => LockMentorSql,
        }, new { collegeId, id }, transaction);

    public static Task DeleteContributionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Contribution kind, Guid id) =>
        connection.ExecuteAsync(kind switch
        {
            Contribution.Course => DeleteCourseSql,
            Contribution.TrainingBase => DeleteBaseSql,
            _ => DeleteMentorSql,
        }, new { id }, transaction);

    public Task<IReadOnlyList<CourseRow>> ListCoursesAsync(Guid collegeId, Guid? after, int limit, CancellationToken cancellationToken) =>
        ListChildrenAsync<CourseRow>(
            $"SELECT {CourseColumns} FROM college_courses WHERE college_id = @collegeId AND id > @after ORDER BY id LIMIT @limit",
            collegeId, after, limit, cancellationToken);

    public Task<IReadOnlyList<TrainingBaseRow>> ListTrainingBasesAsync(Guid collegeId, Guid? after, int limit, CancellationToken cancellationToken) =>
        ListChildrenAsync<TrainingBaseRow>(
            $"SELECT {BaseColumns} FROM college_training_bases WHERE college_id = @collegeId AND id > @after ORDER BY id LIMIT @limit",
            collegeId, after, limit, cancellationToken);

    public Task<IReadOnlyList<MentorRow>> ListMentorsAsync(Guid collegeId, Guid? after, int limit, CancellationToken cancellationToken) =>
        ListChildrenAsync<MentorRow>(
            $"SELECT {MentorColumns} FROM college_mentors WHERE college_id = @collegeId AND id > @after ORDER BY id LIMIT @limit",
            collegeId, after, limit, cancellationToken);

    private async Task<IReadOnlyList<T>> ListChildrenAsync<T>(string sql, Guid collegeId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<T>(new CommandDefinition(sql,
            new { collegeId, after = after ?? Guid.Empty, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Inserts the year's report, or returns null when the college already has one for that year.</summary>
    public static Task<ReportRow?> InsertReportAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ReportRow row) =>
        connection.QuerySingleOrDefaultAsync<ReportRow>(
            $"""
            INSERT INTO college_reports (college_id, year, enrolment, graduates, graduates_cohort_year, courses_delivered,
                co_developed_courses_delivered, mentor_hours, trainees_hosted, state)
            VALUES (@CollegeId, @Year, @Enrolment, @Graduates, @GraduatesCohortYear, @CoursesDelivered,
                @CoDevelopedCoursesDelivered, @MentorHours, @TraineesHosted, @State)
            ON CONFLICT (college_id, year) DO NOTHING
            RETURNING {ReportColumns}
            """, row, transaction);

    public static Task<ReportRow?> LockReportAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid collegeId, int year) =>
        connection.QuerySingleOrDefaultAsync<ReportRow>(
            $"SELECT {ReportColumns} FROM college_reports WHERE college_id = @collegeId AND year = @year FOR UPDATE",
            new { collegeId, year }, transaction);

    /// <summary>The enrolment recorded for a cohort year, or null when that year has no report.</summary>
    public static Task<int?> EnrolmentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid collegeId, int year) =>
        connection.QuerySingleOrDefaultAsync<int?>(
            "SELECT enrolment FROM college_reports WHERE college_id = @collegeId AND year = @year",
            new { collegeId, year }, transaction);

    public static Task<ReportRow> UpdateReportAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ReportRow row) =>
        connection.QuerySingleAsync<ReportRow>(
            $"""
            UPDATE college_reports SET enrolment = @Enrolment, graduates = @Graduates, graduates_cohort_year = @GraduatesCohortYear,
                courses_delivered = @CoursesDelivered, co_developed_courses_delivered = @CoDevelopedCoursesDelivered,
                mentor_hours = @MentorHours, trainees_hosted = @TraineesHosted, update_time = now(), version = version + 1
            WHERE college_id = @CollegeId AND year = @Year
            RETURNING {ReportColumns}
            """, row, transaction);

    public static Task<ReportRow> SetReportStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid collegeId, int year, short state) =>
        connection.QuerySingleAsync<ReportRow>(
            $"""
            UPDATE college_reports SET state = @state, update_time = now(), version = version + 1
            WHERE college_id = @collegeId AND year = @year
            RETURNING {ReportColumns}
            """, new { collegeId, year, state }, transaction);

    public async Task<ReportRow?> FindReportAsync(Guid collegeId, int year, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ReportRow>(new CommandDefinition(
            $"SELECT {ReportColumns} FROM college_reports WHERE college_id = @collegeId AND year = @year",
            new { collegeId, year }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<ReportRow>> ListReportsAsync(Guid collegeId, int afterYear, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ReportRow>(new CommandDefinition(
            $"SELECT {ReportColumns} FROM college_reports WHERE college_id = @collegeId AND year > @afterYear ORDER BY year LIMIT @limit",
            new { collegeId, afterYear, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
