using System.Text;
using Collaboration.Shared.Identity;
using Collaboration.Talent.Model;
using Dapper;
using Npgsql;

namespace Collaboration.Talent.Data;

/// <summary>Typed list filters; empty values mean "any".</summary>
public sealed record DeclarationFilter(short State, int Year, string IndustryChain, string OccupationCode, string EnterpriseCode, bool IncludeSuperseded);

/// <summary>The declarations' SQL. Reads open their own connection; writes take the caller's transaction.</summary>
public sealed class DeclarationStore(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource => dataSource;

    // The state sets come from Model/ and reach SQL as parameters: the rule is written once.
    private static readonly short[] CurrentStates = [.. DeclarationLifecycle.CurrentStates.Select(s => (short)s)];

    private const string Columns =
        "d.id, d.lineage_id, d.version, d.revises_id, d.superseded_by_id, d.enterprise_code, d.enterprise_name, d.enterprise_kind, " +
        "d.year, d.occupation_code, d.occupation_version, d.major_codes, d.major_version, d.industry_chain, d.headcount, " +
        "d.education_level, d.skill_level, d.urgency, d.pay_min_yuan, d.pay_max_yuan, d.work_district, d.description, " +
        "d.state, d.state_reason, d.submit_time, d.create_time, d.update_time, d.row_version";

    public async Task<DeclarationRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DeclarationRow>(new CommandDefinition(
            $"SELECT {Columns} FROM declarations d WHERE d.id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Reads and locks the row for the rest of the transaction.</summary>
    public static Task<DeclarationRow?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id) =>
        connection.QuerySingleOrDefaultAsync<DeclarationRow>(
            $"SELECT {Columns} FROM declarations d WHERE d.id = @id FOR UPDATE", new { id }, transaction);

    public static Task<DeclarationRow> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DeclarationRow row) =>
        connection.QuerySingleAsync<DeclarationRow>(
            $"""
            INSERT INTO declarations AS d (id, lineage_id, version, revises_id, enterprise_code, enterprise_name, enterprise_kind, year,
                occupation_code, occupation_version, major_codes, major_version, industry_chain, headcount, education_level, skill_level,
                urgency, pay_min_yuan, pay_max_yuan, work_district, description, state)
            VALUES (@Id, @LineageId, @Version, @RevisesId, @EnterpriseCode, @EnterpriseName, @EnterpriseKind, @Year,
                @OccupationCode, @OccupationVersion, @MajorCodes, @MajorVersion, @IndustryChain, @Headcount, @EducationLevel, @SkillLevel,
                @Urgency, @PayMinYuan, @PayMaxYuan, @WorkDistrict, @Description, @State)
            RETURNING {Columns}
            """, row, transaction);

    public static Task<DeclarationRow> UpdateDetailsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DeclarationRow row) =>
        connection.QuerySingleAsync<DeclarationRow>(
            $"""
            UPDATE declarations AS d SET year = @Year, occupation_code = @OccupationCode, occupation_version = @OccupationVersion,
                major_codes = @MajorCodes, major_version = @MajorVersion, industry_chain = @IndustryChain, headcount = @Headcount,
                education_level = @EducationLevel, skill_level = @SkillLevel, urgency = @Urgency, pay_min_yuan = @PayMinYuan,
                pay_max_yuan = @PayMaxYuan, work_district = @WorkDistrict, description = @Description,
                update_time = now(), row_version = row_version + 1
            WHERE d.id = @Id
            RETURNING {Columns}
            """, row, transaction);

    public static Task<DeclarationRow> SetStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, short state, string reason,
        bool submitted = false, Guid? supersededBy = null) =>
        connection.QuerySingleAsync<DeclarationRow>(
            $"""
            UPDATE declarations AS d SET state = @state, state_reason = @reason,
                submit_time = CASE WHEN @submitted THEN now() ELSE submit_time END,
                superseded_by_id = COALESCE(@supersededBy, superseded_by_id),
                update_time = now(), row_version = row_version + 1
            WHERE d.id = @id
            RETURNING {Columns}
            """, new { id, state, reason, submitted, supersededBy }, transaction);

    /// <summary>
    /// One page of the declarations the caller may see (DeclarationAccess.CanRead: admins all, an enterprise its own), in id
    /// order after <paramref name="after"/>. Filters are added only when set, so each combination gets its own plan.
    /// </summary>
    public async Task<IReadOnlyList<DeclarationRow>> ListAsync(Caller caller, DeclarationFilter filter, Guid? after, int limit,
        CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM declarations d WHERE TRUE");
        if (!caller.IsAdmin)
        {
            sql.Append(" AND d.enterprise_code = @org");
        }
        if (!filter.IncludeSuperseded)
        {
            sql.Append(" AND d.state = ANY(@currentStates)");
        }
        if (filter.State != 0)
        {
            sql.Append(" AND d.state = @state");
        }
        if (filter.Year != 0)
        {
            sql.Append(" AND d.year = @year");
        }
        if (filter.IndustryChain.Length > 0)
        {
            sql.Append(" AND d.industry_chain = @chain");
        }
        if (filter.OccupationCode.Length > 0)
        {
            sql.Append(" AND d.occupation_code = @occupation");
        }
        if (filter.EnterpriseCode.Length > 0)
        {
            sql.Append(" AND d.enterprise_code = @enterprise");
        }
        if (after is not null)
        {
            sql.Append(" AND d.id > @after");
        }
        sql.Append(" ORDER BY d.id LIMIT @limit");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeclarationRow>(new CommandDefinition(sql.ToString(), new
        {
            org = caller.Organization,
            currentStates = CurrentStates,
            state = filter.State,
            year = filter.Year,
            chain = filter.IndustryChain,
            occupation = filter.OccupationCode,
            enterprise = filter.EnterpriseCode,
            after,
            limit,
        }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
