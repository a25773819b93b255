using CohortState = Collaboration.Apprenticeships.V1.Cohort.Types.State;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;

namespace Collaboration.Apprenticeships.Model;

/// <summary>
/// What the training supply counts (TrainingSupplyStore passes these sets to its SQL): seats of cohorts the city approved
/// that have not graduated; learners of those cohorts not withdrawn; graduates of cohorts that graduated (or closed)
/// with an end date in the 12 months up to the day asked; placed = employed in the city (OutcomeRules.Employed, in_city).
/// </summary>
public static class TrainingSupplyRules
{
    public static IReadOnlyList<CohortState> InTraining { get; } = [CohortState.Approved, CohortState.Recruiting, CohortState.InTraining];

    public static IReadOnlyList<EnrolmentState> Enrolled { get; } = [EnrolmentState.WaitingToStart, EnrolmentState.Live, EnrolmentState.Paused];

    public static IReadOnlyList<CohortState> Graduated { get; } = [CohortState.Graduated, CohortState.Closed];

    /// <summary>The first day of the 12-month window ending on <paramref name="asOf"/> (inclusive on both ends).</summary>
    public static DateOnly WindowStart(DateOnly asOf) => asOf.AddMonths(-12).AddDays(1);
}
