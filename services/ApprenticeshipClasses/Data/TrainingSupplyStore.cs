using Collaboration.Apprenticeships.Model;
using Dapper;
using Npgsql;

namespace Collaboration.Apprenticeships.Data;

/// <summary>One occupation × chain of the training supply, as SummarizeTrainingSupply answers it.</summary>
public sealed record TrainingSupplyRow(string OccupationCode, string IndustryChain, int CohortsInTraining, int Seats, int Enrolled,
    int Graduates, int PlacedInCity, int Retained6Months, int Retained12Months);

/// <summary>The training supply's SQL: the rule's state sets (Model/TrainingSupplyRules, OutcomeRules) reach it as parameters.</summary>
public static class TrainingSupplyStore
{
    private static readonly short[] InTraining = [.. TrainingSupplyRules.InTraining.Select(s => (short)s)];
    private static readonly short[] Enrolled = [.. TrainingSupplyRules.Enrolled.Select(s => (short)s)];
    private static readonly short[] Graduated = [.. TrainingSupplyRules.Graduated.Select(s => (short)s)];
    private static readonly short[] Completed = [.. OutcomeRules.Completed.Select(s => (short)s)];
    private static readonly short[] Employed = [.. OutcomeRules.Employed.Select(s => (short)s)];

    public static async Task<IReadOnlyList<TrainingSupplyRow>> SummarizeAsync(NpgsqlDataSource dataSource, DateOnly asOf, string occupationCode,
        string industryChain, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<TrainingSupplyRow>(new CommandDefinition(
            """
            WITH training AS (
                SELECT c.occupation_code, c.industry_chain, count(*)::int AS cohorts, sum(c.seats)::int AS seats,
                       coalesce(sum((SELECT count(*) FROM enrolments e WHERE e.cohort_id = c.id AND e.state = ANY(@enrolled))), 0)::int AS enrolled
                FROM cohorts c
                WHERE c.state = ANY(@inTraining)
                GROUP BY c.occupation_code, c.industry_chain),
            graduates AS (
                SELECT c.occupation_code, c.industry_chain, count(*)::int AS graduates,
                       count(*) FILTER (WHERE p.state = ANY(@employed) AND p.in_city)::int AS placed,
                       count(*) FILTER (WHERE p.state = ANY(@employed) AND p.in_city AND EXISTS (SELECT 1 FROM retention_checks r
                           WHERE r.enrolment_id = e.id AND r.month = 6 AND r.still_employed))::int AS retained6,
                       count(*) FILTER (WHERE p.state = ANY(@employed) AND p.in_city AND EXISTS (SELECT 1 FROM retention_checks r
                           WHERE r.enrolment_id = e.id AND r.month = 12 AND r.still_employed))::int AS retained12
                FROM cohorts c
                JOIN enrolments e ON e.cohort_id = c.id AND e.state = ANY(@completed)
                LEFT JOIN placements p ON p.enrolment_id = e.id
                WHERE c.state = ANY(@graduated) AND c.end_date BETWEEN @windowStart AND @asOf
                GROUP BY c.occupation_code, c.industry_chain)
            SELECT coalesce(t.occupation_code, g.occupation_code) AS occupation_code,
                   coalesce(t.industry_chain, g.industry_chain) AS industry_chain,
                   coalesce(t.cohorts, 0) AS cohorts_in_training, coalesce(t.seats, 0) AS seats, coalesce(t.enrolled, 0) AS enrolled,
                   coalesce(g.graduates, 0) AS graduates, coalesce(g.placed, 0) AS placed_in_city,
                   coalesce(g.retained6, 0) AS retained6_months, coalesce(g.retained12, 0) AS retained12_months
            FROM training t FULL JOIN graduates g ON g.occupation_code = t.occupation_code AND g.industry_chain = t.industry_chain
            WHERE (@occupation = '' OR coalesce(t.occupation_code, g.occupation_code) = @occupation)
              AND (@chain = '' OR coalesce(t.industry_chain, g.industry_chain) = @chain)
            ORDER BY 1, 2
            """,
            new
            {
                inTraining = InTraining, enrolled = Enrolled, graduated = Graduated, completed = Completed, employed = Employed,
                windowStart = TrainingSupplyRules.WindowStart(asOf), asOf, occupation = occupationCode, chain = industryChain,
            }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
