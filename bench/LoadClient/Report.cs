using System.Globalization;
using System.Text;

namespace Collaboration.Bench;

/// <summary>Turns bench/out/results.tsv (key, repetition, value) into bench/RESULTS.md.</summary>
public static class Report
{
    private sealed record Figure(string Key, string Label, string Anchor = "");

    /// <summary>A target checked per repetition (ratios of figures measured side by side), reported by its median.</summary>
    private sealed record Target(string Label, Func<Func<string, double?>, double?> Value, bool AtLeast, double Bound, string Anchor);

    private static readonly (string Title, Figure[] Figures)[] Sections =
    [
        ("1. Gateway overhead (GetAlliance, cache hit, admin token)",
        [
            new("s1.direct.rps", "direct to the service, h2load -c10 -m10 (req/s)", "bare gRPC echo 62–85k"),
            new("s1.gateway.rps", "through the gateway, same load (req/s)", "default YARP 3.4k–22.5k"),
            new("s1.cpu.gateway_us", "gateway CPU per request at 3,000 rps (µs)", "default YARP ~68 µs"),
            new("s1.cpu.service_us", "service CPU per request at 3,000 rps, same run (µs)", "backend ~34 µs"),
            new("s1.lat.direct.p50_ms", "p50 direct at 3,000 rps (ms)", "mean 0.57 ms"),
            new("s1.lat.gateway.p50_ms", "p50 through the gateway at 3,000 rps (ms)", "mean 2.13 ms"),
            new("s1.lat.direct.p99_ms", "p99 direct at 3,000 rps (ms)"),
            new("s1.lat.gateway.p99_ms", "p99 through the gateway at 3,000 rps (ms)"),
            new("s1.rss.gateway_mb", "gateway working set after scenario 1 (VmRSS, MB)"),
            new("s1.rss.alliances_mb", "Alliances working set after scenario 1 (VmRSS, MB)"),
            new("s1.rss.alliances_nocache_mb", "Alliances (no cache) working set (VmRSS, MB)"),
            new("s1.rss.cache_mb", "CacheServer (Garnet) working set (VmRSS, MB)"),
            new("s1.rss.postgres_mb", "PostgreSQL postmaster working set (VmRSS, MB)"),
        ]),
        ("2. Read path through the gateway",
        [
            new("s2.hit.rps", "GetAlliance, cache hit, viewer of another organisation reading an approved alliance (req/s)"),
            new("s2.miss.rps", "GetAlliance, no cache (second instance, prepared statements) (req/s)", "pgbench select-only 70k tps prepared"),
        ]),
        ("3. Writes (CreateAlliance through the gateway, fresh request_id, synchronous_commit on)",
        [
            new("s3.closed.rps", "writes/s, closed loop, 16 callers", "pgbench TPC-B-like 6.4k tps"),
            new("s3.closed.p50_ms", "p50 in the closed loop (ms)"),
            new("s3.half.rate", "half rate used (writes/s)"),
            new("s3.half.p50_ms", "p50 at half that rate (ms)"),
            new("s3.half.p99_ms", "p99 at half that rate (ms)", "fdatasync ~1 ms"),
        ]),
        ("4. Lists (ListAlliances through the gateway, admin token, page_size 40)",
        [
            new("s4.seed.rows_per_s", "bulk load, binary COPY into alliances (rows/s)"),
            new("s4.page1.rps", "page 1 (req/s)"),
            new("s4.deep.rps", "page after 20,000 pages (keyset token) (req/s)"),
            new("s4.filtered.p50_ms", "filtered list (state APPROVED + industry chain) p50 at 300 rps (ms)"),
            new("s4.filtered.p99_ms", "filtered list p99 at 300 rps (ms)"),
        ]),
        ("5. Bulk roster import",
        [
            new("s5.import.rows_per_s", "ImportEnrolments (rows/s)"),
            new("s5.copy.rows_per_s", "raw COPY of the same rows (rows/s)"),
            new("s5.rss.idle_mb", "service working set before the first import (VmRSS, MB)"),
            new("s5.import.hwm_mb", "service peak memory after each run (VmHWM, MB)"),
        ]),
        ("6. Start-up",
        [
            new("s6.startup_s", "AppHost start → ListAlliances through the gateway succeeds (s, warm build)"),
        ]),
    ];

    private static readonly Target[] Targets =
    [
        new("gateway ÷ direct throughput", v => v("s1.gateway.rps") / v("s1.direct.rps"), true, 0.40, "default YARP 13–29%"),
        new("gateway CPU ÷ service CPU per request", v => v("s1.cpu.gateway_us") / v("s1.cpu.service_us"), false, 1.5, "default YARP ~2.0"),
        new("added p50 at 3,000 rps (ms)", v => v("s1.lat.gateway.p50_ms") - v("s1.lat.direct.p50_ms"), false, 1.0, "default YARP ~1.56 ms (means)"),
        new("cache hit ÷ scenario 1 gateway ceiling", v => v("s2.hit.rps") / v("s1.gateway.rps"), true, 0.80, ""),
        new("cache miss ÷ scenario 1 gateway ceiling", v => v("s2.miss.rps") / v("s1.gateway.rps"), true, 0.50, ""),
        new("deep page cost ÷ page 1 cost", v => v("s4.page1.rps") / v("s4.deep.rps"), false, 1.2, "keyset: ~1.0"),
        new("import ÷ raw COPY rows/s", v => v("s5.import.rows_per_s") / v("s5.copy.rows_per_s"), true, 0.50, ""),
    ];

    public static int Write(Options options)
    {
        var values = new Dictionary<string, SortedDictionary<int, double>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(options.Get("results")))
        {
            var parts = line.Split('\t');
            if (parts.Length == 3 && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                (values.TryGetValue(parts[0], out var reps) ? reps : values[parts[0]] = new SortedDictionary<int, double>())[int.Parse(parts[1], CultureInfo.InvariantCulture)] = value;
            }
        }
        var meta = File.ReadLines(options.Get("meta")).Select(l => l.Split('\t', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);
        var notMeasured = meta.Where(m => m.Key.StartsWith("not-measured.", StringComparison.Ordinal))
            .ToDictionary(m => m.Key["not-measured.".Length..], m => m.Value);

        var md = new StringBuilder();
        md.AppendLine("# Benchmark results").AppendLine();
        md.AppendLine("Written by `bench/run`" + (meta.GetValueOrDefault("mode") == "smoke" ? " --smoke (one short run each, tiny data: not figures to quote)" : "") + ".").AppendLine();
        foreach (var key in new[] { "date", "commit", "machine", "cpu", "cores", "duration", "runs", "setup" })
        {
            if (meta.TryGetValue(key, out var value))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- **{key}**: {value}");
            }
        }
        md.AppendLine();

        md.AppendLine("## Targets").AppendLine();
        md.AppendLine("| target | median | range | bound | met? | anchor |").AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var target in Targets)
        {
            var reps = values.Values.SelectMany(v => v.Keys).Distinct().Order().ToList();
            var perRep = reps.Select(r => target.Value(k => values.TryGetValue(k, out var v) && v.TryGetValue(r, out var x) ? x : null))
                .OfType<double>().Where(double.IsFinite).ToList();
            if (perRep.Count == 0)
            {
                // Figures measured in different repetitions: fall back to the ratio of medians.
                var medians = target.Value(k => values.TryGetValue(k, out var v) ? Median(v.Values) : null);
                if (medians is { } m && double.IsFinite(m))
                {
                    perRep.Add(m);
                }
            }
            var bound = (target.AtLeast ? "≥ " : "≤ ") + Format(target.Bound);
            if (perRep.Count == 0)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {target.Label} | — | — | {bound} | not measured | {target.Anchor} |");
                continue;
            }
            var median = Median(perRep);
            var met = target.AtLeast ? median >= target.Bound : median <= target.Bound;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {target.Label} | {Format(median)} | {Format(perRep.Min())}–{Format(perRep.Max())} | {bound} | {(met ? "**met**" : "**not yet**")} | {target.Anchor} |");
        }
        md.AppendLine();

        foreach (var (title, figures) in Sections)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"## {title}").AppendLine();
            var scenario = title[..title.IndexOf('.', StringComparison.Ordinal)];
            if (notMeasured.TryGetValue(scenario, out var why))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"Not measured: {why}").AppendLine();
                continue;
            }
            md.AppendLine("| figure | median | range | runs | anchor |").AppendLine("| --- | --- | --- | --- | --- |");
            foreach (var figure in figures)
            {
                if (values.TryGetValue(figure.Key, out var reps) && reps.Count > 0)
                {
                    md.AppendLine(CultureInfo.InvariantCulture,
                        $"| {figure.Label} | {Format(Median(reps.Values))} | {Format(reps.Values.Min())}–{Format(reps.Values.Max())} | {reps.Count} | {figure.Anchor} |");
                }
                else
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"| {figure.Label} | — | — | 0 | {figure.Anchor} |");
                }
            }
            md.AppendLine();
        }
        if (meta.TryGetValue("notes", out var notes))
        {
            md.AppendLine("## Notes").AppendLine();
            foreach (var note in notes.Split(" || "))
            {
                md.AppendLine("- " + note);
            }
            md.AppendLine();
        }
        File.WriteAllText(options.Get("out"), md.ToString());
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Format(double value) => Math.Abs(value) switch
    {
        >= 1000 => value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
