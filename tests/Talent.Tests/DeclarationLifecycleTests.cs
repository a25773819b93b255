using Collaboration.Talent.Model;
using State = Collaboration.Talent.V1.Declaration.Types.State;

namespace Collaboration.Talent.Tests;

/// <summary>The declaration lifecycle table, checked over every state × act.</summary>
public sealed class DeclarationLifecycleTests
{
    private static readonly Dictionary<(State, DeclarationAction), State> Expected = new()
    {
        [(State.Draft, DeclarationAction.Submit)] = State.Submitted,
        [(State.Submitted, DeclarationAction.Accept)] = State.Accepted,
        [(State.Submitted, DeclarationAction.Return)] = State.Returned,
        [(State.Submitted, DeclarationAction.Supersede)] = State.Superseded,
        [(State.Accepted, DeclarationAction.Supersede)] = State.Superseded,
        [(State.Returned, DeclarationAction.Supersede)] = State.Superseded,
    };

    public static TheoryData<State, DeclarationAction> EveryPair()
    {
        var data = new TheoryData<State, DeclarationAction>();
        foreach (var state in Enum.GetValues<State>())
        {
            foreach (var action in Enum.GetValues<DeclarationAction>())
            {
                data.Add(state, action);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Next_EveryStateAndAct_AllowedExactlyAsTheTableSays(State from, DeclarationAction action)
    {
        var expected = Expected.TryGetValue((from, action), out var to) ? to : (State?)null;
        Assert.Equal(expected, DeclarationLifecycle.Next(from, action));
    }

    [Theory]
    [InlineData(State.Unspecified, false)]
    [InlineData(State.Draft, false)]
    [InlineData(State.Submitted, true)]
    [InlineData(State.Accepted, true)]
    [InlineData(State.Returned, true)]
    [InlineData(State.Superseded, false)]
    public void IsRevisable_OnlyWhatASubmittedCorrectionCanSupersede(State state, bool revisable) =>
        Assert.Equal(revisable, DeclarationLifecycle.IsRevisable(state));

    [Fact]
    public void IsEditable_OnlyDrafts() =>
        Assert.Equal([State.Draft], Enum.GetValues<State>().Where(DeclarationLifecycle.IsEditable));

    [Fact]
    public void IsAdminAct_AcceptAndReturnOnly() =>
        Assert.Equal([DeclarationAction.Accept, DeclarationAction.Return], Enum.GetValues<DeclarationAction>().Where(DeclarationLifecycle.IsAdminAct));

    [Fact]
    public void CurrentStates_EverythingButSuperseded() =>
        Assert.Equal(Enum.GetValues<State>().Where(s => s is not (State.Unspecified or State.Superseded)).Order(), DeclarationLifecycle.CurrentStates.Order());
}
