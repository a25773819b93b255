using System.Text;
using Collaboration.Shared.Identity;
using Collaboration.Talent.Model;
using Dapper;
using Npgsql;

namespace Collaboration.Talent.Data;

/// <summary>The catalogue's SQL. Reads open their own connection; writes take the caller's transaction.</summary>
public sealed class CatalogueStore(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource => dataSource;

    private static readonly short[] PublicStates = [.. EditionLifecycle.PublicStates.Select(s => (short)s)];
    private static readonly short[] CompiledStates = [.. DeclarationLifecycle.CompiledStates.Select(s => (short)s)];

    private const string EditionColumns =
        "e.year, e.state, e.entry_count, e.scarce_hundredths, e.urgent_hundredths, e.compile_time, e.publish_time, e.superseded_by_year, " +
        "e.create_time, e.update_time, e.row_version";

    private const string EntryColumns =
        "n.year, n.occupation_code, n.industry_chain, n.occupation_title, n.total_demand, n.declaring_enterprises, n.pay_min_yuan, n.pay_max_yuan, " +
        "n.supply_seats, n.supply_graduates_placed, n.index_hundredths, n.computed_band, n.band_override, n.note, n.update_time, n.row_version";

    public async Task<EditionRow?> FindEditionAsync(int year, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<EditionRow>(new CommandDefinition(
            $"SELECT {EditionColumns} FROM catalogue_editions e WHERE e.year = @year", new { year }, cancellationToken: cancellationToken));
    }

    public static Task<EditionRow?> LockEditionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int year) =>
        connection.QuerySingleOrDefaultAsync<EditionRow>(
            $"SELECT {EditionColumns} FROM catalogue_editions e WHERE e.year = @year FOR UPDATE", new { year }, transaction);

    /// <summary>The year's accepted declarations (DeclarationLifecycle.CompiledStates) per occupation × chain: what an edition compiles.</summary>
    public async Task<IReadOnlyList<DemandRow>> DemandAsync(int year, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DemandRow>(new CommandDefinition(
            """
            SELECT occupation_code, industry_chain, sum(headcount)::int AS total_demand, count(DISTINCT enterprise_code)::int AS declaring_enterprises,
                   min(pay_min_yuan) AS pay_min_yuan, max(pay_max_yuan) AS pay_max_yuan
            FROM declarations WHERE year = @year AND state = ANY(@compiled)
            GROUP BY occupation_code, industry_chain ORDER BY occupation_code, industry_chain
            """, new { year, compiled = CompiledStates }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Creates the draft of the year or stamps its recompilation (thresholds, time, entry count); the caller checked the state.</summary>
    public static Task<EditionRow> UpsertDraftAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int year, short draft, int entryCount,
        long scarce, long urgent) =>
        connection.QuerySingleAsync<EditionRow>(
            $"""
            INSERT INTO catalogue_editions AS e (year, state, entry_count, scarce_hundredths, urgent_hundredths, compile_time)
            VALUES (@year, @draft, @entryCount, @scarce, @urgent, now())
            ON CONFLICT (year) DO UPDATE SET entry_count = @entryCount, scarce_hundredths = @scarce, urgent_hundredths = @urgent,
                compile_time = now(), update_time = now(), row_version = e.row_version + 1
            RETURNING {EditionColumns}
            """, new { year, draft, entryCount, scarce, urgent }, transaction);

    /// <summary>
    /// Replaces the figures of a draft's entries: entries still compiled keep their note and band adjustment, new ones
    /// are added, the others removed.
    /// </summary>
    public static async Task ReplaceEntriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int year, IReadOnlyList<EntryRow> entries)
    {
        await connection.ExecuteAsync(
            "DELETE FROM catalogue_entries WHERE year = @year AND (occupation_code, industry_chain) NOT IN (SELECT * FROM unnest(@occupations, @chains))",
            new { year, occupations = entries.Select(e => e.OccupationCode).ToArray(), chains = entries.Select(e => e.IndustryChain).ToArray() }, transaction);
        foreach (var entry in entries)
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO catalogue_entries AS n (year, occupation_code, industry_chain, occupation_title, total_demand, declaring_enterprises,
                    pay_min_yuan, pay_max_yuan, supply_seats, supply_graduates_placed, index_hundredths, computed_band)
                VALUES (@Year, @OccupationCode, @IndustryChain, @OccupationTitle, @TotalDemand, @DeclaringEnterprises,
                    @PayMinYuan, @PayMaxYuan, @SupplySeats, @SupplyGraduatesPlaced, @IndexHundredths, @ComputedBand)
                ON CONFLICT (year, occupation_code, industry_chain) DO UPDATE SET occupation_title = @OccupationTitle, total_demand = @TotalDemand,
                    declaring_enterprises = @DeclaringEnterprises, pay_min_yuan = @PayMinYuan, pay_max_yuan = @PayMaxYuan,
                    supply_seats = @SupplySeats, supply_graduates_placed = @SupplyGraduatesPlaced, index_hundredths = @IndexHundredths,
                    computed_band = @ComputedBand, update_time = now(), row_version = n.row_version + 1
                """, entry, transaction);
        }
    }

    public static Task<EditionRow> PublishAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int year, short published) =>
        connection.QuerySingleAsync<EditionRow>(
            $"""
            UPDATE catalogue_editions AS e SET state = @published, publish_time = now(), update_time = now(), row_version = row_version + 1
            WHERE e.year = @year RETURNING {EditionColumns}
            """, new { year, published }, transaction);

    /// <summary>Published editions of other years, locked: a publication supersedes the earlier ones and may not precede a later one.</summary>
    public static async Task<IReadOnlyList<EditionRow>> LockPublishedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, short published) =>
        (await connection.QueryAsync<EditionRow>(
            $"SELECT {EditionColumns} FROM catalogue_editions e WHERE e.state = @published ORDER BY e.year FOR UPDATE", new { published }, transaction)).AsList();

    public static Task SupersedeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int year, short superseded, int byYear) =>
        connection.ExecuteAsync(
            """
            UPDATE catalogue_editions SET state = @superseded, superseded_by_year = @byYear, update_time = now(), row_version = row_version + 1
            WHERE year = @year
            """, new { year, superseded, byYear }, transaction);

    /// <summary>Editions the caller may read (EditionLifecycle.CanRead: admins all, everyone else the public states), by year.</summary>
    public async Task<IReadOnlyList<EditionRow>> ListEditionsAsync(Caller? caller, short state, int afterYear, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {EditionColumns} FROM catalogue_editions e WHERE e.year > @afterYear");
        if (caller is not { IsAdmin: true })
        {
            sql.Append(" AND e.state = ANY(@publicStates)");
        }
        if (state != 0)
        {
            sql.Append(" AND e.state = @state");
        }
        sql.Append(" ORDER BY e.year LIMIT @limit");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EditionRow>(new CommandDefinition(sql.ToString(),
            new { afterYear, publicStates = PublicStates, state, limit }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<EntryRow?> FindEntryAsync(int year, string occupationCode, string industryChain, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<EntryRow>(new CommandDefinition(
            $"SELECT {EntryColumns} FROM catalogue_entries n WHERE n.year = @year AND n.occupation_code = @occupationCode AND n.industry_chain = @industryChain",
            new { year, occupationCode, industryChain }, cancellationToken: cancellationToken));
    }

    public static Task<EntryRow?> LockEntryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int year, string occupationCode, string industryChain) =>
        connection.QuerySingleOrDefaultAsync<EntryRow>(
            $"SELECT {EntryColumns} FROM catalogue_entries n WHERE n.year = @year AND n.occupation_code = @occupationCode AND n.industry_chain = @industryChain FOR UPDATE",
            new { year, occupationCode, industryChain }, transaction);

    public static Task<EntryRow> UpdateEntryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EntryRow row) =>
        connection.QuerySingleAsync<EntryRow>(
            $"""
            UPDATE catalogue_entries AS n SET band_override = @BandOverride, note = @Note, update_time = now(), row_version = row_version + 1
            WHERE n.year = @Year AND n.occupation_code = @OccupationCode AND n.industry_chain = @IndustryChain
            RETURNING {EntryColumns}
            """, row, transaction);

    /// <summary>An edition's entries after the (occupation, chain) key, filtered by chain and effective band.</summary>
    public async Task<IReadOnlyList<EntryRow>> ListEntriesAsync(int year, string industryChain, short band, (string Occupation, string Chain)? after, int limit,
        CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {EntryColumns} FROM catalogue_entries n WHERE n.year = @year");
        if (industryChain.Length > 0)
        {
            sql.Append(" AND n.industry_chain = @industryChain");
        }
        if (band != 0)
        {
            sql.Append(" AND coalesce(n.band_override, n.computed_band) = @band");
        }
        if (after is not null)
        {
            sql.Append(" AND (n.occupation_code, n.industry_chain) > (@afterOccupation, @afterChain)");
        }
        sql.Append(" ORDER BY n.occupation_code, n.industry_chain LIMIT @limit");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EntryRow>(new CommandDefinition(sql.ToString(), new
        {
            year, industryChain, band, afterOccupation = after?.Occupation, afterChain = after?.Chain, limit,
        }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Every entry of an edition (a comparison reads two whole editions: a catalogue has tens to hundreds of entries).</summary>
    public async Task<IReadOnlyList<EntryRow>> AllEntriesAsync(int year, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EntryRow>(new CommandDefinition(
            $"SELECT {EntryColumns} FROM catalogue_entries n WHERE n.year = @year ORDER BY n.occupation_code, n.industry_chain",
            new { year }, cancellationToken: cancellationToken))).AsList();
    }
}
