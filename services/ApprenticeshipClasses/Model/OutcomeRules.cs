using CohortState = Collaboration.Apprenticeships.V1.Cohort.Types.State;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using PlacementState = Collaboration.Apprenticeships.V1.Placement.Types.State;

namespace Collaboration.Apprenticeships.Model;

/// <summary>
/// What the outcome figures count (OutcomeStore passes these sets to its SQL, so the rule is written only here):
/// a learner counts once completed, counts as employed once the placement is employed, and a cancelled cohort
/// never counts in the landing rates.
/// </summary>
public static class OutcomeRules
{
    public static IReadOnlyList<EnrolmentState> Completed { get; } = [EnrolmentState.Completed];

    public static IReadOnlyList<PlacementState> Employed { get; } = [PlacementState.Employed];

    public static IReadOnlyList<CohortState> CountedCohorts { get; } =
        [.. Enum.GetValues<CohortState>().Where(s => s is not (CohortState.Unspecified or CohortState.Cancelled))];
}
