using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Model;

/// <summary>What is done to a cohort's sponsors after creation.</summary>
public enum SponsorAct
{
    /// <summary>The college adds an enterprise.</summary>
    Add,
    /// <summary>A pending enterprise accepts (AddSponsor by the enterprise itself).</summary>
    Accept,
    /// <summary>The college ends a current sponsor or withdraws a pending one.</summary>
    End,
}

/// <summary>Where the sponsor link stands after the act.</summary>
public enum SponsorStanding
{
    Pending,
    Current,
    Ended,
}

/// <summary>
/// Who sponsors a cohort, per state, as one table. Before the city's approval the college changes the
/// sponsors on its own, and once the sponsors had agreed the change hands the cohort back to them to confirm,
/// as a change of terms does (CohortLifecycle's CollegeAmends). After approval the agreement stands: an added
/// enterprise is pending until it accepts, and the college may end a sponsor. Nothing changes once the cohort
/// graduated, closed or was cancelled. Every act leaves at least one current sponsor (<see cref="LeavesASponsor"/>).
/// </summary>
public static class SponsorAdmission
{
    private static readonly Dictionary<(State From, SponsorAct Act), (SponsorStanding Standing, State To)> Table = Build();

    private static Dictionary<(State, SponsorAct), (SponsorStanding, State)> Build()
    {
        var table = new Dictionary<(State, SponsorAct), (SponsorStanding, State)>
        {
            [(State.Draft, SponsorAct.Add)] = (SponsorStanding.Current, State.Draft),
            [(State.Draft, SponsorAct.End)] = (SponsorStanding.Ended, State.Draft),
        };
        foreach (var proposed in new[] { State.AwaitingEnterprise, State.AwaitingCollege, State.Agreed })
        {
            table[(proposed, SponsorAct.Add)] = (SponsorStanding.Current, State.AwaitingEnterprise);
            table[(proposed, SponsorAct.End)] = (SponsorStanding.Ended, State.AwaitingEnterprise);
        }
        foreach (var running in new[] { State.Approved, State.Recruiting, State.InTraining })
        {
            table[(running, SponsorAct.Add)] = (SponsorStanding.Pending, running);
            table[(running, SponsorAct.Accept)] = (SponsorStanding.Current, running);
            table[(running, SponsorAct.End)] = (SponsorStanding.Ended, running);
        }
        return table;
    }

    /// <summary>The sponsor's standing and the cohort's state after the act; null when the state does not allow it.</summary>
    public static (SponsorStanding Standing, State To)? Next(State from, SponsorAct act) =>
        Table.TryGetValue((from, act), out var next) ? next : null;

    public static IEnumerable<(State From, SponsorAct Act, SponsorStanding Standing, State To)> All =>
        Table.Select(t => (t.Key.From, t.Key.Act, t.Value.Item1, t.Value.Item2));

    /// <summary>Adding and ending are the college's acts; accepting is the invited enterprise's own.</summary>
    public static bool IsAllowed(SponsorAct act, Party party, bool isInvitedEnterprise) => act switch
    {
        SponsorAct.Add or SponsorAct.End => party == Party.College,
        SponsorAct.Accept => isInvitedEnterprise,
        _ => false,
    };

    /// <summary>
    /// A sponsor hosting learners in these states cannot end: move them first (a change of sponsor), so no
    /// learner is left without an enterprise master. Completed learners and their placements stay as they are.
    /// </summary>
    public static IReadOnlyList<EnrolmentState> HostedInTraining { get; } = [EnrolmentState.WaitingToStart, EnrolmentState.Live, EnrolmentState.Paused];

    /// <summary>A cohort always keeps at least one current sponsor.</summary>
    public static bool LeavesASponsor(IEnumerable<string> currentSponsorCodes, string ending) =>
        currentSponsorCodes.Any(code => code != ending);
}
