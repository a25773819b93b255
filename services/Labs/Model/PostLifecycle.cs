using State = Collaboration.Labs.V1.Post.Types.State;

namespace Collaboration.Labs.Model;

public enum PostAction
{
    Fill,
    Close,
}

/// <summary>A senior post: open → filled (an appointment) → closed; an open post may also be closed unfilled.</summary>
public static class PostLifecycle
{
    private static readonly Dictionary<(State From, PostAction Action), State> Transitions = new()
    {
        [(State.Open, PostAction.Fill)] = State.Filled,
        [(State.Open, PostAction.Close)] = State.Closed,
        [(State.Filled, PostAction.Close)] = State.Closed,
    };

    public static State? Next(State from, PostAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;
}
