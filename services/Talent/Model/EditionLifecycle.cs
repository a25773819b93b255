using Collaboration.Shared.Identity;
using State = Collaboration.Talent.V1.CatalogueEdition.Types.State;

namespace Collaboration.Talent.Model;

/// <summary>The acts on a catalogue edition.</summary>
public enum EditionAction
{
    Compile,
    Publish,
    /// <summary>Not called directly: publishing a later year's edition supersedes the published one.</summary>
    Supersede,
}

/// <summary>
/// The edition lifecycle as one table: draft (recompiled and adjusted at will) → published (immutable) → superseded by a
/// later year's published edition. Only the city's admins act; published and superseded editions are public.
/// </summary>
public static class EditionLifecycle
{
    private static readonly Dictionary<(State From, EditionAction Action), State> Transitions = new()
    {
        [(State.Draft, EditionAction.Compile)] = State.Draft,
        [(State.Draft, EditionAction.Publish)] = State.Published,
        [(State.Published, EditionAction.Supersede)] = State.Superseded,
    };

    public static State? Next(State from, EditionAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    /// <summary>Entries change (bands, notes) only in a draft.</summary>
    public static bool IsEditable(State state) => state == State.Draft;

    /// <summary>What everyone may read, anonymous callers included. CatalogueStore's lists pass the same set to SQL.</summary>
    public static readonly IReadOnlyList<State> PublicStates = [State.Published, State.Superseded];

    public static bool CanRead(Caller? caller, State state) => caller is { IsAdmin: true } || PublicStates.Contains(state);

    public static IEnumerable<(State From, EditionAction Action, State To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));
}
