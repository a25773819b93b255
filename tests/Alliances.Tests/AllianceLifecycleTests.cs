using Collaboration.Alliances.Model;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Tests;

public sealed class AllianceLifecycleTests
{
    // The lifecycle as DOMAIN.md states it, written out independently of the code under test.
    private static readonly (State From, AllianceAction Action, State To)[] Expected =
    [
        (State.Draft, AllianceAction.Submit, State.Submitted),
        (State.Submitted, AllianceAction.Approve, State.Approved),
        (State.Submitted, AllianceAction.Return, State.Draft),
        (State.Approved, AllianceAction.RequireRectification, State.Rectification),
        (State.Rectification, AllianceAction.Reinstate, State.Approved),
        (State.Approved, AllianceAction.Dissolve, State.Dissolved),
        (State.Rectification, AllianceAction.Dissolve, State.Dissolved),
    ];

    public static TheoryData<State, AllianceAction> EveryPair()
    {
        var data = new TheoryData<State, AllianceAction>();
        foreach (var state in Enum.GetValues<State>())
        {
            foreach (var action in Enum.GetValues<AllianceAction>())
            {
                data.Add(state, action);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Next_EveryStateAndAction_MatchesTheDomainTable(State from, AllianceAction action)
    {
        var expected = Expected.Where(t => t.From == from && t.Action == action).Select(t => (State?)t.To).SingleOrDefault();
        Assert.Equal(expected, AllianceLifecycle.Next(from, action));
    }

    [Fact]
    public void Dissolved_IsFinal()
    {
        Assert.All(Enum.GetValues<AllianceAction>(), a => Assert.Null(AllianceLifecycle.Next(State.Dissolved, a)));
    }

    [Fact]
    public void OnlySubmit_IsTheLeadsAct()
    {
        Assert.False(AllianceLifecycle.IsAdminAct(AllianceAction.Submit));
        Assert.All(Enum.GetValues<AllianceAction>().Where(a => a != AllianceAction.Submit), a => Assert.True(AllianceLifecycle.IsAdminAct(a)));
    }
}
