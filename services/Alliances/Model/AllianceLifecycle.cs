using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Model;

/// <summary>The acts that move an alliance through its lifecycle.</summary>
public enum AllianceAction
{
    Submit,
    Approve,
    Return,
    RequireRectification,
    Reinstate,
    Dissolve,
}

/// <summary>
/// The alliance lifecycle as one table: draft → submitted → approved ⇄ rectification → dissolved;
/// submitted → draft when returned with reasons.
/// </summary>
public static class AllianceLifecycle
{
    private static readonly Dictionary<(State From, AllianceAction Action), State> Transitions = new()
    {
        [(State.Draft, AllianceAction.Submit)] = State.Submitted,
        [(State.Submitted, AllianceAction.Approve)] = State.Approved,
        [(State.Submitted, AllianceAction.Return)] = State.Draft,
        [(State.Approved, AllianceAction.RequireRectification)] = State.Rectification,
        [(State.Rectification, AllianceAction.Reinstate)] = State.Approved,
        [(State.Approved, AllianceAction.Dissolve)] = State.Dissolved,
        [(State.Rectification, AllianceAction.Dissolve)] = State.Dissolved,
    };

    /// <summary>The state the act leads to, or null when the act is not allowed from <paramref name="from"/>.</summary>
    public static State? Next(State from, AllianceAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    /// <summary>Only the city's admins review, approve, return, rectify, reinstate and dissolve.</summary>
    public static bool IsAdminAct(AllianceAction action) => action != AllianceAction.Submit;

    /// <summary>States in which the lead may edit the alliance's details.</summary>
    public static bool IsEditable(State state) => state is State.Draft or State.Rectification;

    /// <summary>States in which membership may change.</summary>
    public static bool AcceptsMembershipChanges(State state) => state is not (State.Dissolved or State.Unspecified);

    /// <summary>States in which the alliance is active and evaluated each year.</summary>
    public static bool IsEvaluated(State state) => state is State.Approved or State.Rectification;

    /// <summary>States every signed-in user may read (the alliance has been approved at some point).</summary>
    public static readonly IReadOnlyList<State> PublicStates = [State.Approved, State.Rectification, State.Dissolved];

    public static bool IsPublic(State state) => PublicStates.Contains(state);

    public static IEnumerable<(State From, AllianceAction Action, State To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));
}
