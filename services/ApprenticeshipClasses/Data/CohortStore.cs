using System.Text;
using Collaboration.Apprenticeships.Model;
using Collaboration.Shared.Identity;
using Dapper;
using Npgsql;

namespace Collaboration.Apprenticeships.Data;

/// <summary>Typed list filters; empty values mean "any".</summary>
public sealed record CohortFilter(short State, short Kind, string CollegeCode, string SponsorCode, string IndustryChain, int EndYear,
    SharedRecords? Shared = null);

/// <summary>The cohorts' SQL. Reads open their own connection; writes take the caller's transaction.</summary>
public sealed class CohortStore(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>The enrolment states that take a seat (EnrolmentLifecycle.Seated), as the @seated parameter.</summary>
    private static readonly short[] Seated = [.. EnrolmentLifecycle.Seated.Select(s => (short)s)];

    private const string CohortColumns =
        "c.id, c.kind, c.display_name, c.college_code, c.college_name, c.college_kind, c.industrial_college_name, c.major_code, c.major_version, " +
        "c.occupation_code, c.occupation_version, c.industry_chain, c.seats, c.placement_commitment, c.start_date, c.end_date, " +
        "c.state, c.state_reason, c.create_time, c.update_time, c.version, " +
        "(SELECT count(*) FROM enrolments n WHERE n.cohort_id = c.id AND n.state = ANY(@seated)) AS enrolled_count";

    private const string EnrolmentColumns =
        "id, cohort_id, college_code, student_number, display_name, identity_hash, identity_last4, state, college_mentor, " +
        "enterprise_mentor, sponsor_code, create_time, update_time, version";

    private const string PlacementColumns =
        "enrolment_id, cohort_id, state, employer_code, employer_name, employer_kind, in_city, in_city_basis, in_city_override_reason, in_city_override_note, " +
        "start_date, create_time, update_time, version";

    private const string SponsorChangeColumns =
        "id, cohort_id, enrolment_id, from_code, to_code, reason, state, create_time, update_time, version";

    public async Task<CohortRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<CohortRow>(new CommandDefinition(
            $"SELECT {CohortColumns} FROM cohorts c WHERE c.id = @id", new { id, seated = Seated }, cancellationToken: cancellationToken));
        if (row is not null)
        {
            row.Sponsors = (await SponsorsAsync(connection, null, [id])).ToList();
        }
        return row;
    }

    /// <summary>Reads and locks the cohort for the rest of the transaction, with its sponsors.</summary>
    public static async Task<CohortRow?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CohortRow>(
            $"SELECT {CohortColumns} FROM cohorts c WHERE c.id = @id FOR UPDATE OF c", new { id, seated = Seated }, transaction);
        if (row is not null)
        {
            row.Sponsors = (await SponsorsAsync(connection, transaction, [id])).ToList();
        }
        return row;
    }

    private static async Task<IEnumerable<SponsorRow>> SponsorsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid[] ids) =>
        await connection.QueryAsync<SponsorRow>(
            """
            SELECT cohort_id, credit_code, org_name, joined_date, left_date, pending FROM cohort_sponsors
            WHERE cohort_id = ANY(@ids) ORDER BY cohort_id, joined_date, credit_code
            """, new { ids }, transaction);

    public static async Task<CohortRow> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CohortRow row, IEnumerable<SponsorRow> sponsors)
    {
        await connection.ExecuteAsync(
            """
            INSERT INTO cohorts (id, kind, display_name, college_code, college_name, college_kind, industrial_college_name, major_code,
                major_version, occupation_code, occupation_version, industry_chain, seats, placement_commitment, start_date, end_date, state)
            VALUES (@Id, @Kind, @DisplayName, @CollegeCode, @CollegeName, @CollegeKind, @IndustrialCollegeName, @MajorCode, @MajorVersion,
                @OccupationCode, @OccupationVersion, @IndustryChain, @Seats, @PlacementCommitment, @StartDate, @EndDate, @State)
            """, row, transaction);
        await connection.ExecuteAsync(
            "INSERT INTO cohort_sponsors (cohort_id, credit_code, org_name, joined_date) VALUES (@CohortId, @CreditCode, @OrgName, @JoinedDate)",
            sponsors, transaction);
        return (await LockAsync(connection, transaction, row.Id))!;
    }

    public static async Task<CohortRow> UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CohortRow row)
    {
        await connection.ExecuteAsync(
            """
            UPDATE cohorts SET display_name = @DisplayName, industrial_college_name = @IndustrialCollegeName, major_code = @MajorCode,
                major_version = @MajorVersion, occupation_code = @OccupationCode, occupation_version = @OccupationVersion,
                industry_chain = @IndustryChain, seats = @Seats, placement_commitment = @PlacementCommitment,
                start_date = @StartDate, end_date = @EndDate, state = @State, state_reason = @StateReason,
                update_time = now(), version = version + 1
            WHERE id = @Id
            """, row, transaction);
        return (await LockAsync(connection, transaction, row.Id))!;
    }

    /// <summary>An enrolment change moves the cohort's etag too (its enrolled count changed).</summary>
    public static Task TouchAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id) =>
        connection.ExecuteAsync("UPDATE cohorts SET update_time = now(), version = version + 1 WHERE id = @id", new { id }, transaction);

    /// <summary>
    /// One page of the cohorts the caller may see, in id order after <paramref name="after"/>.
    /// The visibility clause mirrors CohortAccess.CanRead.
    /// </summary>
    public async Task<IReadOnlyList<CohortRow>> ListAsync(Caller caller, CohortFilter filter, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {CohortColumns} FROM cohorts c WHERE TRUE");
        if (filter.Shared is not null)
        {
            // "Shared with me": a grant is the visibility here, as on Get, honoured only when the grantor is the cohort's college.
            sql.Append(" AND EXISTS (SELECT 1 FROM unnest(@sharedIds, @sharedOwners) AS s(id, owner) WHERE s.id = c.id AND s.owner = c.college_code)");
        }
        else if (!caller.IsAdmin)
        {
            sql.Append(" AND (c.college_code = @org OR EXISTS (SELECT 1 FROM cohort_sponsors v WHERE v.cohort_id = c.id AND v.credit_code = @org))");
        }
        if (filter.State != 0) { sql.Append(" AND c.state = @state"); }
        if (filter.Kind != 0) { sql.Append(" AND c.kind = @kind"); }
        if (filter.CollegeCode.Length > 0) { sql.Append(" AND c.college_code = @college"); }
        if (filter.SponsorCode.Length > 0)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM cohort_sponsors s WHERE s.cohort_id = c.id AND s.credit_code = @sponsor)");
        }
        if (filter.IndustryChain.Length > 0) { sql.Append(" AND c.industry_chain = @chain"); }
        if (filter.EndYear != 0) { sql.Append(" AND c.end_date >= make_date(@year, 1, 1) AND c.end_date < make_date(@year + 1, 1, 1)"); }
        if (after is not null) { sql.Append(" AND c.id > @after"); }
        sql.Append(" ORDER BY c.id LIMIT @limit");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<CohortRow>(new CommandDefinition(sql.ToString(), new
        {
            org = caller.Organization, state = filter.State, kind = filter.Kind, college = filter.CollegeCode,
            sponsor = filter.SponsorCode, chain = filter.IndustryChain, year = filter.EndYear, after, limit, seated = Seated,
            sharedIds = filter.Shared?.Ids, sharedOwners = filter.Shared?.Owners,
        }, cancellationToken: cancellationToken))).AsList();
        var sponsors = (await SponsorsAsync(connection, null, rows.Select(r => r.Id).ToArray())).ToLookup(s => s.CohortId);
        foreach (var row in rows)
        {
            row.Sponsors = sponsors[row.Id].ToList();
        }
        return rows;
    }

    // ---- sponsors after creation

    /// <summary>A new dated link; false when the enterprise already has an open (current or pending) link, or one from the same date.</summary>
    public static async Task<bool> InsertSponsorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SponsorRow row) =>
        await connection.ExecuteAsync(
            """
            INSERT INTO cohort_sponsors (cohort_id, credit_code, org_name, joined_date, pending)
            VALUES (@CohortId, @CreditCode, @OrgName, @JoinedDate, @Pending)
            ON CONFLICT DO NOTHING
            """, row, transaction) == 1;

    /// <summary>The invited enterprise accepts: its link becomes current from <paramref name="joined"/>.</summary>
    public static Task AcceptSponsorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cohortId, string code, DateTime joined) =>
        connection.ExecuteAsync(
            """
            UPDATE cohort_sponsors SET pending = false, joined_date = @joined
            WHERE cohort_id = @cohortId AND credit_code = @code AND left_date IS NULL AND pending
            """, new { cohortId, code, joined }, transaction);

    /// <summary>Ends the open link (the row stays: history).</summary>
    public static Task EndSponsorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cohortId, string code, DateTime left) =>
        connection.ExecuteAsync(
            "UPDATE cohort_sponsors SET left_date = @left WHERE cohort_id = @cohortId AND credit_code = @code AND left_date IS NULL",
            new { cohortId, code, left }, transaction);

    /// <summary>Learners the sponsor hosts in the given enrolment states.</summary>
    public static Task<long> CountHostedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cohortId, string code, short[] states) =>
        connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM enrolments WHERE cohort_id = @cohortId AND sponsor_code = @code AND state = ANY(@states)",
            new { cohortId, code, states }, transaction);

    // ---- enrolments

    public static Task<int> InsertEnrolmentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EnrolmentRow row) =>
        connection.ExecuteAsync(
            $"""
            INSERT INTO enrolments (id, cohort_id, college_code, student_number, display_name, identity_hash, identity_last4, state,
                college_mentor, enterprise_mentor, sponsor_code)
            VALUES (@Id, @CohortId, @CollegeCode, @StudentNumber, @DisplayName, @IdentityHash, @IdentityLast4, @State,
                @CollegeMentor, @EnterpriseMentor, @SponsorCode)
            ON CONFLICT DO NOTHING
            """, row, transaction);

    /// <summary>The enrolment holding a student number in the college, if any (to explain a conflict).</summary>
    public static Task<EnrolmentRow?> FindByStudentNumberAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string collegeCode, string studentNumber) =>
        connection.QuerySingleOrDefaultAsync<EnrolmentRow>(
            $"SELECT {EnrolmentColumns} FROM enrolments WHERE college_code = @collegeCode AND student_number = @studentNumber",
            new { collegeCode, studentNumber }, transaction);

    public static Task<EnrolmentRow?> FindByPersonAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cohortId, byte[] identityHash) =>
        connection.QuerySingleOrDefaultAsync<EnrolmentRow>(
            $"SELECT {EnrolmentColumns} FROM enrolments WHERE cohort_id = @cohortId AND identity_hash = @identityHash",
            new { cohortId, identityHash }, transaction);

    public async Task<EnrolmentRow?> FindEnrolmentAsync(Guid cohortId, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<EnrolmentRow>(new CommandDefinition(
            $"SELECT {EnrolmentColumns} FROM enrolments WHERE cohort_id = @cohortId AND id = @id",
            new { cohortId, id }, cancellationToken: cancellationToken));
    }

    public static Task<EnrolmentRow?> LockEnrolmentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cohortId, Guid id) =>
        connection.QuerySingleOrDefaultAsync<EnrolmentRow>(
            $"SELECT {EnrolmentColumns} FROM enrolments WHERE cohort_id = @cohortId AND id = @id FOR UPDATE",
            new { cohortId, id }, transaction);

    public static Task<EnrolmentRow> UpdateEnrolmentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EnrolmentRow row) =>
        connection.QuerySingleAsync<EnrolmentRow>(
            $"""
            UPDATE enrolments SET display_name = @DisplayName, state = @State, college_mentor = @CollegeMentor,
                enterprise_mentor = @EnterpriseMentor, sponsor_code = @SponsorCode, update_time = now(), version = version + 1
            WHERE id = @Id
            RETURNING {EnrolmentColumns}
            """, row, transaction);

    public static Task<long> CountEnrolledAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cohortId) =>
        connection.ExecuteScalarAsync<long>("SELECT count(*) FROM enrolments WHERE cohort_id = @cohortId AND state = ANY(@seated)", new { cohortId, seated = Seated }, transaction);

    public async Task<IReadOnlyList<EnrolmentRow>> ListEnrolmentsAsync(Guid cohortId, short state, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<EnrolmentRow>(new CommandDefinition(
            $"""
            SELECT {EnrolmentColumns} FROM enrolments
            WHERE cohort_id = @cohortId AND (@state = 0 OR state = @state) AND id > @after
            ORDER BY id LIMIT @limit
            """, new { cohortId, state, after = after ?? Guid.Empty, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    // ---- placements

    public static Task<PlacementRow?> LockPlacementAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid enrolmentId) =>
        connection.QuerySingleOrDefaultAsync<PlacementRow>(
            $"SELECT {PlacementColumns} FROM placements WHERE enrolment_id = @enrolmentId FOR UPDATE", new { enrolmentId }, transaction);

    public async Task<(PlacementRow? Placement, IReadOnlyList<RetentionRow> Checks)> FindPlacementAsync(Guid enrolmentId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var placement = await connection.QuerySingleOrDefaultAsync<PlacementRow>(new CommandDefinition(
            $"SELECT {PlacementColumns} FROM placements WHERE enrolment_id = @enrolmentId", new { enrolmentId }, cancellationToken: cancellationToken));
        return (placement, placement is null ? [] : await ChecksAsync(connection, null, enrolmentId));
    }

    public static async Task<IReadOnlyList<RetentionRow>> ChecksAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid enrolmentId) =>
        (await connection.QueryAsync<RetentionRow>(
            "SELECT enrolment_id, month, still_employed, same_employer, record_time FROM retention_checks WHERE enrolment_id = @enrolmentId ORDER BY month",
            new { enrolmentId }, transaction)).AsList();

    /// <summary>Creates or replaces the placement's state and employer (a new offer after a decline replaces the old one).</summary>
    public static Task<PlacementRow> UpsertPlacementAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PlacementRow row) =>
        connection.QuerySingleAsync<PlacementRow>(
            $"""
            INSERT INTO placements (enrolment_id, cohort_id, state, employer_code, employer_name, employer_kind, in_city, in_city_basis,
                in_city_override_reason, in_city_override_note, start_date)
            VALUES (@EnrolmentId, @CohortId, @State, @EmployerCode, @EmployerName, @EmployerKind, @InCity, @InCityBasis,
                @InCityOverrideReason, @InCityOverrideNote, @StartDate)
            ON CONFLICT (enrolment_id) DO UPDATE SET state = excluded.state, employer_code = excluded.employer_code,
                employer_name = excluded.employer_name, employer_kind = excluded.employer_kind, in_city = excluded.in_city, in_city_basis = excluded.in_city_basis,
                in_city_override_reason = excluded.in_city_override_reason, in_city_override_note = excluded.in_city_override_note,
                start_date = excluded.start_date,
                update_time = now(), version = placements.version + 1
            RETURNING {PlacementColumns}
            """, row, transaction);

    public static Task<int> InsertRetentionCheckAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RetentionRow row) =>
        connection.ExecuteAsync(
            """
            INSERT INTO retention_checks (enrolment_id, month, still_employed, same_employer)
            VALUES (@EnrolmentId, @Month, @StillEmployed, @SameEmployer) ON CONFLICT DO NOTHING
            """, row, transaction);

    public static Task<PlacementRow> TouchPlacementAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid enrolmentId) =>
        connection.QuerySingleAsync<PlacementRow>(
            $"UPDATE placements SET update_time = now(), version = version + 1 WHERE enrolment_id = @enrolmentId RETURNING {PlacementColumns}",
            new { enrolmentId }, transaction);

    // ---- sponsor changes

    public static Task<SponsorChangeRow> InsertSponsorChangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SponsorChangeRow row) =>
        connection.QuerySingleAsync<SponsorChangeRow>(
            $"""
            INSERT INTO sponsor_changes (id, cohort_id, enrolment_id, from_code, to_code, reason, state)
            VALUES (@Id, @CohortId, @EnrolmentId, @FromCode, @ToCode, @Reason, @State)
            RETURNING {SponsorChangeColumns}
            """, row, transaction);

    public static Task<SponsorChangeRow?> LockSponsorChangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid enrolmentId, Guid id) =>
        connection.QuerySingleOrDefaultAsync<SponsorChangeRow>(
            $"SELECT {SponsorChangeColumns} FROM sponsor_changes WHERE enrolment_id = @enrolmentId AND id = @id FOR UPDATE",
            new { enrolmentId, id }, transaction);

    public static Task<SponsorChangeRow> SetSponsorChangeStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, short state) =>
        connection.QuerySingleAsync<SponsorChangeRow>(
            $"UPDATE sponsor_changes SET state = @state, update_time = now(), version = version + 1 WHERE id = @id RETURNING {SponsorChangeColumns}",
            new { id, state }, transaction);

    public async Task<IReadOnlyList<SponsorChangeRow>> ListSponsorChangesAsync(Guid enrolmentId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<SponsorChangeRow>(new CommandDefinition(
            $"SELECT {SponsorChangeColumns} FROM sponsor_changes WHERE enrolment_id = @enrolmentId AND id > @after ORDER BY id LIMIT @limit",
            new { enrolmentId, after = after ?? Guid.Empty, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
