using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Identity;
using Dapper;
using Npgsql;
using GroupBy = Collaboration.Apprenticeships.V1.ComputeLandingRatesRequest.Types.GroupBy;

namespace Collaboration.Apprenticeships.Data;

/// <summary>
/// Outcomes and landing rates, computed in SQL from the enrolment and placement records every time
/// (nothing is stored twice). A learner counts as employed when the placement is employed; employed
/// by a sponsor when the employer is one of the cohort's sponsors (past or present).
/// </summary>
public sealed class OutcomeStore(NpgsqlDataSource dataSource)
{
    // The sets of OutcomeRules, as the @completed, @employed and @counted parameters.
    private static readonly short[] Completed = [.. OutcomeRules.Completed.Select(s => (short)s)];
    private static readonly short[] Employed = [.. OutcomeRules.Employed.Select(s => (short)s)];
    private static readonly short[] Counted = [.. OutcomeRules.CountedCohorts.Select(s => (short)s)];

    private const string CohortOutcomes =
        """
        SELECT count(*) FILTER (WHERE e.state = ANY(@completed)) AS completed,
               count(*) FILTER (WHERE e.state = ANY(@completed) AND p.state = ANY(@employed)) AS employed,
               count(*) FILTER (WHERE e.state = ANY(@completed) AND p.state = ANY(@employed) AND p.in_city) AS employed_in_city,
               count(*) FILTER (WHERE e.state = ANY(@completed) AND p.state = ANY(@employed)
                   AND p.employer_code IN (SELECT s.credit_code FROM cohort_sponsors s WHERE s.cohort_id = @id)) AS employed_by_sponsor
        FROM enrolments e LEFT JOIN placements p ON p.enrolment_id = e.id
        WHERE e.cohort_id = @id
        """;

    private const string Retention =
        """
        SELECT r.month, count(*) AS checked,
               count(*) FILTER (WHERE r.still_employed) AS still_employed,
               count(*) FILTER (WHERE r.still_employed AND r.same_employer) AS same_employer
        FROM retention_checks r JOIN placements p ON p.enrolment_id = r.enrolment_id
        WHERE p.cohort_id = @id AND p.state = ANY(@employed)
        GROUP BY r.month ORDER BY r.month
        """;

    // Per cohort first (visible, not cancelled, filtered), then summed per group. {0} is the group's
    // key and label, {1} an optional join (sponsors), {2} the visibility clause: all constant text.
    private const string LandingRatesSql =
        """
        WITH learners AS (
            SELECT e.cohort_id,
                   e.state = ANY(@completed) AS completed,
                   (e.state = ANY(@completed) AND p.state = ANY(@employed) AND p.in_city) AS in_city,
                   (e.state = ANY(@completed) AND p.state = ANY(@employed) AND EXISTS (SELECT 1 FROM cohort_sponsors s
                        WHERE s.cohort_id = e.cohort_id AND s.credit_code = p.employer_code)) AS by_sponsor
            FROM enrolments e LEFT JOIN placements p ON p.enrolment_id = e.id
        ),
        per_cohort AS (
            SELECT c.id, c.display_name, c.college_code, c.college_name, c.industry_chain,
                   extract(year FROM c.end_date)::int AS end_year, c.placement_commitment,
                   count(l.cohort_id) FILTER (WHERE l.completed) AS completed,
                   count(l.cohort_id) FILTER (WHERE l.in_city) AS in_city,
                   count(l.cohort_id) FILTER (WHERE l.by_sponsor) AS by_sponsor
            FROM cohorts c LEFT JOIN learners l ON l.cohort_id = c.id
            WHERE c.state = ANY(@counted) {2}
              AND (@year = 0 OR (c.end_date >= make_date(@year, 1, 1) AND c.end_date < make_date(@year + 1, 1, 1)))
              AND (@chain = '' OR c.industry_chain = @chain)
            GROUP BY c.id
        )
        SELECT {0}, count(*) AS cohorts, sum(pc.completed)::bigint AS completed, sum(pc.in_city)::bigint AS in_city,
               sum(pc.by_sponsor)::bigint AS by_sponsor, sum(pc.placement_commitment)::bigint AS commitment
        FROM per_cohort pc {1}
        GROUP BY 1, 2 ORDER BY 1
        """;

    private const string Visible =
        "AND (c.college_code = @org OR EXISTS (SELECT 1 FROM cohort_sponsors v WHERE v.cohort_id = c.id AND v.credit_code = @org))";

    private const string SponsorJoin =
        "JOIN (SELECT cohort_id, credit_code, max(org_name) AS org_name FROM cohort_sponsors GROUP BY 1, 2) sp ON sp.cohort_id = pc.id";

    public async Task<CohortOutcomes> CohortOutcomesAsync(Guid id, int commitment, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var counts = await connection.QuerySingleAsync<(long Completed, long Employed, long InCity, long BySponsor)>(
            new CommandDefinition(CohortOutcomes, new { id, completed = Completed, employed = Employed }, cancellationToken: cancellationToken));
        var retention = (await connection.QueryAsync<(int Month, long Checked, long StillEmployed, long SameEmployer)>(
            new CommandDefinition(Retention, new { id, employed = Employed }, cancellationToken: cancellationToken))).ToDictionary(r => r.Month);
        var outcomes = new CohortOutcomes
        {
            Name = CohortNames.Cohort(id),
            Completed = (int)counts.Completed,
            Employed = (int)counts.Employed,
            EmployedInCity = (int)counts.InCity,
            EmployedBySponsor = (int)counts.BySponsor,
            PlacementCommitment = commitment,
        };
        foreach (var month in PlacementLifecycle.RetentionMonths)
        {
            var r = retention.GetValueOrDefault(month);
            outcomes.Retention.Add(new RetentionOutcome
            {
                Month = month, Checked = (int)r.Checked, StillEmployed = (int)r.StillEmployed, SameEmployer = (int)r.SameEmployer,
            });
        }
        if (Rates.Ratio(counts.InCity, counts.Completed) is { } landing) { outcomes.LandingRate = landing; }
        if (Rates.Ratio(counts.BySponsor, counts.Completed) is { } sponsor) { outcomes.SponsorPlacementRate = sponsor; }
        if (Rates.Ratio(counts.BySponsor, commitment) is { } fulfilment) { outcomes.CommitmentFulfilment = fulfilment; }
        return outcomes;
    }

    /// <summary>Landing rates per group over the cohorts <paramref name="caller"/> may see (all when null).</summary>
    public async Task<IReadOnlyList<LandingRateGroup>> LandingRatesAsync(Caller? caller, GroupBy groupBy, int year, string chain,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<GroupRow>(new CommandDefinition(Sql(caller, groupBy),
            new { org = caller?.Organization ?? "", year, chain, completed = Completed, employed = Employed, counted = Counted }, cancellationToken: cancellationToken));
        return rows.Select(ToProto).ToList();
    }

    /// <summary>The same, synchronously, for the metrics callback.</summary>
    public IReadOnlyList<LandingRateGroup> LandingRates(GroupBy groupBy)
    {
        using var connection = dataSource.OpenConnection();
        return connection.Query<GroupRow>(Sql(null, groupBy),
            new { org = "", year = 0, chain = "", completed = Completed, employed = Employed, counted = Counted }).Select(ToProto).ToList();
    }

    private static string Sql(Caller? caller, GroupBy groupBy)
    {
        var (key, join) = groupBy switch
        {
            GroupBy.Cohort => ("'cohorts/' || pc.id::text AS key, pc.display_name AS label", ""),
            GroupBy.College => ("pc.college_code AS key, pc.college_name AS label", ""),
            GroupBy.Sponsor => ("sp.credit_code AS key, sp.org_name AS label", SponsorJoin),
            GroupBy.IndustryChain => ("pc.industry_chain AS key, pc.industry_chain AS label", ""),
            GroupBy.Year => ("pc.end_year::text AS key, pc.end_year::text AS label", ""),
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy)),
        };
        var visible = caller is null || caller.IsAdmin ? "" : Visible;
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, LandingRatesSql, key, join, visible);
    }

    private static LandingRateGroup ToProto(GroupRow r)
    {
        var group = new LandingRateGroup
        {
            Key = r.Key, Label = r.Label, Cohorts = (int)r.Cohorts, Completed = (int)r.Completed, EmployedInCity = (int)r.InCity,
            EmployedBySponsor = (int)r.BySponsor, PlacementCommitment = (int)r.Commitment,
        };
        if (Rates.Ratio(r.InCity, r.Completed) is { } landing) { group.LandingRate = landing; }
        if (Rates.Ratio(r.BySponsor, r.Completed) is { } sponsor) { group.SponsorPlacementRate = sponsor; }
        if (Rates.Ratio(r.BySponsor, r.Commitment) is { } fulfilment) { group.CommitmentFulfilment = fulfilment; }
        return group;
    }

    private sealed record GroupRow(string Key, string Label, long Cohorts, long Completed, long InCity, long BySponsor, long Commitment);
}
