using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Collaboration.Bench;

/// <summary>Bulk-loads alliances with binary COPY: UUIDv7 ids in ascending order, states and chains varied.</summary>
public static class Seed
{
    public static readonly string[] Chains =
    [
        "steel-new-materials", "high-end-equipment", "new-energy-vehicles", "biomedicine",
        "integrated-circuits", "modern-agriculture", "smart-logistics", "software-services",
    ];

    public static async Task<int> AlliancesAsync(Options options)
    {
        var count = (int)options.Number("count");
        await using var connection = new NpgsqlConnection(options.Get("conn"));
        await connection.OpenAsync();
        var leads = Enumerable.Range(0, 1000).Select(Commands.CreditCode).ToArray();
        var epoch = DateTimeOffset.UtcNow.AddDays(-30);
        var started = Stopwatch.GetTimestamp();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY alliances (id, display_name, short_name, industry_chain, lead_code, lead_name, charter_summary, founded_date, state, member_count) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < count; i++)
            {
                await copy.StartRowAsync();
                // One millisecond apart: the version-7 timestamps, and so the ids, ascend.
                await copy.WriteAsync(Guid.CreateVersion7(epoch.AddMilliseconds(i)), NpgsqlDbType.Uuid);
                await copy.WriteAsync($"Bench alliance {i:D7}", NpgsqlDbType.Text);
                await copy.WriteAsync($"BA{i % 100000}", NpgsqlDbType.Text);
                await copy.WriteAsync(Chains[i / 5 % Chains.Length], NpgsqlDbType.Text);
                await copy.WriteAsync(leads[i % leads.Length], NpgsqlDbType.Text);
                await copy.WriteAsync($"Bench Enterprise {i % leads.Length}", NpgsqlDbType.Text);
                await copy.WriteAsync("A benchmark alliance.", NpgsqlDbType.Text);
                await copy.WriteAsync(new DateOnly(2000 + i % 25, 1 + i % 12, 1 + i % 28), NpgsqlDbType.Date);
                await copy.WriteAsync((short)(1 + i % 5), NpgsqlDbType.Smallint);
                await copy.WriteAsync(1, NpgsqlDbType.Integer);
            }
            await copy.CompleteAsync();
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await using (var analyze = new NpgsqlCommand("ANALYZE alliances", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }
        Output.Value("rows", count);
        Output.Value("seconds", seconds);
        Output.Value("rows_per_s", count / seconds);
        return 0;
    }
}
