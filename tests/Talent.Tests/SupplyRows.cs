using Dapper;
using Npgsql;
using CohortState = Collaboration.Apprenticeships.V1.Cohort.Types.State;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using PlacementState = Collaboration.Apprenticeships.V1.Placement.Types.State;

namespace Collaboration.Talent.Tests;

/// <summary>
/// Cohorts, learners and placements written into the Apprenticeship Classes database as that service stores them, so a
/// test sets exactly the supply it computes by hand (walking each learner to an in-city job through the API would take
/// dozens of calls per figure; the walk itself is that service's tests' and the end-to-end tests' business).
/// </summary>
public sealed class SupplyRows(TalentFixture fixture)
{
    private readonly string _connectionString = fixture.Postgres.ConnectionString(TalentFixture.ApprenticeshipsDatabase);

    public async Task<Guid> CohortAsync(string occupation, string chain, int seats, CohortState state, DateOnly? endDate = null)
    {
        var id = Guid.CreateVersion7();
        var end = endDate ?? DateOnly.FromDateTime(DateTime.UtcNow).AddMonths(6);
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.ExecuteAsync(
            """
            INSERT INTO cohorts (id, kind, display_name, college_code, college_name, major_code, major_version, occupation_code, occupation_version,
                industry_chain, seats, placement_commitment, start_date, end_date, state)
            VALUES (@id, 1, @name, '12431300448765423R', '娄底职业技术学院', '460104', '2024', @occupation, '2022', @chain, @seats, 0, @start, @end, @state)
            """,
            new { id, name = $"supply test {id:N}", occupation, chain, seats, start = end.AddYears(-1), end, state = (short)state });
        return id;
    }

    /// <summary>A learner of the cohort in this state; with an employer, placed (employed) there, in the city or not, with retention checks.</summary>
    public async Task LearnerAsync(Guid cohort, EnrolmentState state, bool? employedInCity = null, bool retained6 = false, bool retained12 = false)
    {
        var id = Guid.CreateVersion7();
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.ExecuteAsync(
            """
            INSERT INTO enrolments (id, cohort_id, college_code, student_number, display_name, identity_hash, identity_last4, state, sponsor_code)
            VALUES (@id, @cohort, '12431300448765423R', @student, '测试学员（虚构）', @hash, '0000', @state, '914313001874265378')
            """,
            new { id, cohort, student = $"T{id:N}", hash = id.ToByteArray(), state = (short)state });
        if (employedInCity is { } inCity)
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO placements (enrolment_id, cohort_id, state, employer_code, employer_name, in_city, start_date)
                VALUES (@id, @cohort, @state, '914313001874265378', '娄底涟湘钢铁有限公司', @inCity, current_date)
                """, new { id, cohort, state = (short)PlacementState.Employed, inCity });
            foreach (var (month, kept) in new[] { (6, retained6), (12, retained12) })
            {
                await connection.ExecuteAsync(
                    "INSERT INTO retention_checks (enrolment_id, month, still_employed, same_employer) VALUES (@id, @month, @kept, @kept)",
                    new { id, month, kept });
            }
        }
    }
}
