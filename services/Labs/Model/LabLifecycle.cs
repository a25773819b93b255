using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Model;

/// <summary>The acts that move a platform through its lifecycle.</summary>
public enum LabAction
{
    Submit,
    Return,
    StartPreliminaryReview,
    PassPreliminaryReview,
    PassExpertReview,
    Reject,
    Accredit,
    StartConstruction,
    RequestAcceptance,
    PassAcceptance,
    DeferAcceptance,
    FailAcceptance,
    RequireRectification,
    CompleteRectification,
    Revoke,
    /// <summary>The platform's upgrade application was accredited; only the service performs it.</summary>
    Supersede,
}

/// <summary>
/// The platform lifecycle as one table: application draft → submitted → preliminary review → expert
/// review → public notice → approved for construction → construction → acceptance (passed → operating;
/// deferred → construction; failed → rejected) → operating ⇄ rectification → revoked.
/// Submitted or preliminary review → draft when returned with reasons. Rejected, revoked and upgraded are final.
/// </summary>
public static class LabLifecycle
{
    private static readonly Dictionary<(State From, LabAction Action), State> Transitions = new()
    {
        [(State.Draft, LabAction.Submit)] = State.Submitted,
        [(State.Submitted, LabAction.Return)] = State.Draft,
        [(State.PreliminaryReview, LabAction.Return)] = State.Draft,
        [(State.Submitted, LabAction.StartPreliminaryReview)] = State.PreliminaryReview,
        [(State.PreliminaryReview, LabAction.PassPreliminaryReview)] = State.ExpertReview,
        [(State.ExpertReview, LabAction.PassExpertReview)] = State.PublicNotice,
        [(State.PreliminaryReview, LabAction.Reject)] = State.Rejected,
        [(State.ExpertReview, LabAction.Reject)] = State.Rejected,
        [(State.PublicNotice, LabAction.Reject)] = State.Rejected,
        [(State.PublicNotice, LabAction.Accredit)] = State.ApprovedForConstruction,
        [(State.ApprovedForConstruction, LabAction.StartConstruction)] = State.Construction,
        [(State.Construction, LabAction.RequestAcceptance)] = State.Acceptance,
        [(State.Acceptance, LabAction.PassAcceptance)] = State.Operating,
        [(State.Acceptance, LabAction.DeferAcceptance)] = State.Construction,
        [(State.Acceptance, LabAction.FailAcceptance)] = State.Rejected,
        [(State.Operating, LabAction.RequireRectification)] = State.Rectification,
        [(State.Rectification, LabAction.CompleteRectification)] = State.Operating,
        [(State.Operating, LabAction.Revoke)] = State.Revoked,
        [(State.Rectification, LabAction.Revoke)] = State.Revoked,
        [(State.Operating, LabAction.Supersede)] = State.Upgraded,
        [(State.Rectification, LabAction.Supersede)] = State.Upgraded,
    };

    /// <summary>The state the act leads to, or null when the act is not allowed from <paramref name="from"/>.</summary>
    public static State? Next(State from, LabAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    /// <summary>The host applies, starts construction and asks for acceptance; the city's admins do everything else.</summary>
    public static bool IsHostAct(LabAction action) =>
        action is LabAction.Submit or LabAction.StartConstruction or LabAction.RequestAcceptance;

    /// <summary>States in which the host may edit the application's details.</summary>
    public static bool IsEditable(State state) => state == State.Draft;

    /// <summary>States in which the platform is evaluated every cycle (and a closed cycle files "not filed").</summary>
    public static readonly IReadOnlyList<State> EvaluatedStates = [State.Operating, State.Rectification];

    /// <summary>States every signed-in user may read: the platform is or was operating.</summary>
    public static readonly IReadOnlyList<State> PublicStates = [State.Operating, State.Rectification, State.Revoked, State.Upgraded];

    /// <summary>States in which the construction deadline runs: approved for construction, or being built.</summary>
    public static readonly IReadOnlyList<State> ConstructionStates = [State.ApprovedForConstruction, State.Construction];

    public static bool IsEvaluated(State state) => EvaluatedStates.Contains(state);

    public static bool IsPublic(State state) => PublicStates.Contains(state);

    public static bool IsFinal(State state) => state is State.Rejected or State.Revoked or State.Upgraded;

    public static IEnumerable<(State From, LabAction Action, State To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));
}
