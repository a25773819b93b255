using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using PlacementState = Collaboration.Apprenticeships.V1.Placement.Types.State;
using SponsorChangeState = Collaboration.Apprenticeships.V1.SponsorChange.Types.State;

namespace Collaboration.Apprenticeships.Model;

public enum EnrolmentAction
{
    Start,
    Pause,
    Resume,
    Withdraw,
    Complete,
}

/// <summary>A learner's enrolment: waiting to start → live ⇄ paused → withdrawn | completed.</summary>
public static class EnrolmentLifecycle
{
    private static readonly Dictionary<(EnrolmentState From, EnrolmentAction Action), EnrolmentState> Transitions = new()
    {
        [(EnrolmentState.WaitingToStart, EnrolmentAction.Start)] = EnrolmentState.Live,
        [(EnrolmentState.Live, EnrolmentAction.Pause)] = EnrolmentState.Paused,
        [(EnrolmentState.Paused, EnrolmentAction.Resume)] = EnrolmentState.Live,
        [(EnrolmentState.WaitingToStart, EnrolmentAction.Withdraw)] = EnrolmentState.Withdrawn,
        [(EnrolmentState.Live, EnrolmentAction.Withdraw)] = EnrolmentState.Withdrawn,
        [(EnrolmentState.Paused, EnrolmentAction.Withdraw)] = EnrolmentState.Withdrawn,
        [(EnrolmentState.Live, EnrolmentAction.Complete)] = EnrolmentState.Completed,
    };

    public static EnrolmentState? Next(EnrolmentState from, EnrolmentAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    public static IEnumerable<(EnrolmentState From, EnrolmentAction Action, EnrolmentState To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));

    /// <summary>Every learner but a withdrawn one takes one of the cohort's seats.</summary>
    public static bool TakesSeat(EnrolmentState state) => state != EnrolmentState.Withdrawn;

    /// <summary>The states that take a seat, as a set (the stores pass it to SQL).</summary>
    public static IReadOnlyList<EnrolmentState> Seated { get; } =
        [.. Enum.GetValues<EnrolmentState>().Where(s => s != EnrolmentState.Unspecified && TakesSeat(s))];
}

public enum PlacementAction
{
    Offer,
    Accept,
    Decline,
    Employ,
}

/// <summary>Placement after completion: offered → accepted → employed, or declined (a declined learner may get a new offer).</summary>
public static class PlacementLifecycle
{
    /// <summary>The state before the first offer.</summary>
    public const PlacementState None = PlacementState.Unspecified;

    private static readonly Dictionary<(PlacementState From, PlacementAction Action), PlacementState> Transitions = new()
    {
        [(None, PlacementAction.Offer)] = PlacementState.Offered,
        [(PlacementState.Declined, PlacementAction.Offer)] = PlacementState.Offered,
        [(PlacementState.Offered, PlacementAction.Accept)] = PlacementState.Accepted,
        [(PlacementState.Offered, PlacementAction.Decline)] = PlacementState.Declined,
        [(PlacementState.Accepted, PlacementAction.Decline)] = PlacementState.Declined,
        [(PlacementState.Accepted, PlacementAction.Employ)] = PlacementState.Employed,
    };

    /// <summary>Retention is checked at these months after the start of employment.</summary>
    public static readonly IReadOnlyList<int> RetentionMonths = [6, 12, 24];

    public static PlacementState? Next(PlacementState from, PlacementAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    public static IEnumerable<(PlacementState From, PlacementAction Action, PlacementState To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));
}

public enum SponsorChangeAction
{
    Approve,
    Reject,
    Withdraw,
}

/// <summary>A change of sponsoring enterprise: pending → approved | rejected | withdrawn.</summary>
public static class SponsorChangeLifecycle
{
    private static readonly Dictionary<(SponsorChangeState From, SponsorChangeAction Action), SponsorChangeState> Transitions = new()
    {
        [(SponsorChangeState.Pending, SponsorChangeAction.Approve)] = SponsorChangeState.Approved,
        [(SponsorChangeState.Pending, SponsorChangeAction.Reject)] = SponsorChangeState.Rejected,
        [(SponsorChangeState.Pending, SponsorChangeAction.Withdraw)] = SponsorChangeState.Withdrawn,
    };

    public static SponsorChangeState? Next(SponsorChangeState from, SponsorChangeAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    public static IEnumerable<(SponsorChangeState From, SponsorChangeAction Action, SponsorChangeState To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));
}
