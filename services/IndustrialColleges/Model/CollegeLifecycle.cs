using Collaboration.Shared.Links;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Model;

/// <summary>The acts that move an industrial college through its lifecycle.</summary>
public enum CollegeAction
{
    Submit,
    Return,
    Approve,
    Open,
    StartReview,
    Reinstate,
    Close,
}

/// <summary>
/// The industrial college lifecycle as one table: planning → submitted → approved → operating ⇄
/// under review → closed; submitted → planning when returned with reasons.
/// </summary>
public static class CollegeLifecycle
{
    private static readonly Dictionary<(State From, CollegeAction Action), State> Transitions = new()
    {
        [(State.Planning, CollegeAction.Submit)] = State.Submitted,
        [(State.Submitted, CollegeAction.Return)] = State.Planning,
        [(State.Submitted, CollegeAction.Approve)] = State.Approved,
        [(State.Approved, CollegeAction.Open)] = State.Operating,
        [(State.Operating, CollegeAction.StartReview)] = State.UnderReview,
        [(State.UnderReview, CollegeAction.Reinstate)] = State.Operating,
        [(State.Operating, CollegeAction.Close)] = State.Closed,
        [(State.UnderReview, CollegeAction.Close)] = State.Closed,
    };

    /// <summary>The state the act leads to, or null when the act is not allowed from <paramref name="from"/>.</summary>
    public static State? Next(State from, CollegeAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    /// <summary>The host submits and opens; the city's admins return, approve, review, reinstate and close.</summary>
    public static bool IsAdminAct(CollegeAction action) => action is not (CollegeAction.Submit or CollegeAction.Open);

    /// <summary>Acts that must say why.</summary>
    public static bool NeedsReason(CollegeAction action) => action is CollegeAction.Return or CollegeAction.StartReview;

    /// <summary>The host edits details, majors and partners except while the city examines a submission or after closure.</summary>
    public static bool IsEditable(State state) => state is State.Planning or State.Approved or State.Operating or State.UnderReview;

    /// <summary>
    /// Partner links change while the college is editable: the set of active partners is what the city examines, so it
    /// holds still while a submission is examined and after closure. Declining changes no active link and is always open.
    /// </summary>
    public static bool AllowsLinkAct(State state, LinkAction action) => action == LinkAction.Decline || IsEditable(state);

    /// <summary>Partners contribute courses, bases and mentors until the college closes.</summary>
    public static bool AcceptsContributions(State state) => state is not (State.Closed or State.Unspecified);

    /// <summary>States every signed-in user may read.</summary>
    public static readonly IReadOnlyList<State> PublicStates = [State.Operating];

    public static bool IsPublic(State state) => PublicStates.Contains(state);

    public static IEnumerable<(State From, CollegeAction Action, State To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));
}
