using State = Collaboration.Talent.V1.Declaration.Types.State;

namespace Collaboration.Talent.Model;

/// <summary>The acts that move a declaration through its lifecycle.</summary>
public enum DeclarationAction
{
    Submit,
    Accept,
    Return,
    /// <summary>Not called directly: submitting a correction supersedes the declaration it corrects.</summary>
    Supersede,
}

/// <summary>
/// The declaration lifecycle as one table: draft → submitted → accepted | returned (with a reason);
/// submitted, accepted and returned → superseded when a correction of them is submitted.
/// A submitted declaration is never edited: a correction is a new version (ReviseDeclaration).
/// </summary>
public static class DeclarationLifecycle
{
    private static readonly Dictionary<(State From, DeclarationAction Action), State> Transitions = new()
    {
        [(State.Draft, DeclarationAction.Submit)] = State.Submitted,
        [(State.Submitted, DeclarationAction.Accept)] = State.Accepted,
        [(State.Submitted, DeclarationAction.Return)] = State.Returned,
        [(State.Submitted, DeclarationAction.Supersede)] = State.Superseded,
        [(State.Accepted, DeclarationAction.Supersede)] = State.Superseded,
        [(State.Returned, DeclarationAction.Supersede)] = State.Superseded,
    };

    /// <summary>The state the act leads to, or null when the act is not allowed from <paramref name="from"/>.</summary>
    public static State? Next(State from, DeclarationAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    /// <summary>The city's admins accept and return; the enterprise submits (and so supersedes).</summary>
    public static bool IsAdminAct(DeclarationAction action) => action is DeclarationAction.Accept or DeclarationAction.Return;

    /// <summary>Only a draft is edited in place.</summary>
    public static bool IsEditable(State state) => state == State.Draft;

    /// <summary>What a correction may be made of: what could be superseded.</summary>
    public static bool IsRevisable(State state) => Next(state, DeclarationAction.Supersede) is not null;

    /// <summary>The states whose declarations are current (not replaced by a correction): what lists show by default.</summary>
    public static readonly IReadOnlyList<State> CurrentStates = [State.Draft, State.Submitted, State.Accepted, State.Returned];

    /// <summary>The declarations the catalogue is compiled from.</summary>
    public static readonly IReadOnlyList<State> CompiledStates = [State.Accepted];

    public static IEnumerable<(State From, DeclarationAction Action, State To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));
}
