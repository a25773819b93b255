using Collaboration.Labs.Model;
using PostState = Collaboration.Labs.V1.Post.Types.State;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

public sealed class LabLifecycleTests
{
    // The lifecycle as the issue states it, written out independently of the code under test.
    private static readonly (State From, LabAction Action, State To)[] Expected =
    [
        (State.Draft, LabAction.Submit, State.Submitted),
        (State.Submitted, LabAction.Return, State.Draft),
        (State.PreliminaryReview, LabAction.Return, State.Draft),
        (State.Submitted, LabAction.StartPreliminaryReview, State.PreliminaryReview),
        (State.PreliminaryReview, LabAction.PassPreliminaryReview, State.ExpertReview),
        (State.ExpertReview, LabAction.PassExpertReview, State.PublicNotice),
        (State.PreliminaryReview, LabAction.Reject, State.Rejected),
        (State.ExpertReview, LabAction.Reject, State.Rejected),
        (State.PublicNotice, LabAction.Reject, State.Rejected),
        (State.PublicNotice, LabAction.Accredit, State.ApprovedForConstruction),
        (State.ApprovedForConstruction, LabAction.StartConstruction, State.Construction),
        (State.Construction, LabAction.RequestAcceptance, State.Acceptance),
        (State.Acceptance, LabAction.PassAcceptance, State.Operating),
        (State.Acceptance, LabAction.DeferAcceptance, State.Construction),
        (State.Acceptance, LabAction.FailAcceptance, State.Rejected),
        (State.Operating, LabAction.RequireRectification, State.Rectification),
        (State.Rectification, LabAction.CompleteRectification, State.Operating),
        (State.Operating, LabAction.Revoke, State.Revoked),
        (State.Rectification, LabAction.Revoke, State.Revoked),
        (State.Operating, LabAction.Supersede, State.Upgraded),
        (State.Rectification, LabAction.Supersede, State.Upgraded),
    ];

    public static TheoryData<State, LabAction> EveryPair()
    {
        var data = new TheoryData<State, LabAction>();
        foreach (var state in Enum.GetValues<State>())
        {
            foreach (var action in Enum.GetValues<LabAction>())
            {
                data.Add(state, action);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Next_EveryStateAndAction_MatchesTheIssueTable(State from, LabAction action)
    {
        var expected = Expected.Where(t => t.From == from && t.Action == action).Select(t => (State?)t.To).SingleOrDefault();
        Assert.Equal(expected, LabLifecycle.Next(from, action));
    }

    [Theory]
    [InlineData(State.Rejected)]
    [InlineData(State.Revoked)]
    [InlineData(State.Upgraded)]
    public void FinalStates_AllowNothing(State state)
    {
        Assert.True(LabLifecycle.IsFinal(state));
        Assert.All(Enum.GetValues<LabAction>(), a => Assert.Null(LabLifecycle.Next(state, a)));
    }

    [Fact]
    public void HostActs_AreApplyingBuildingAndAskingForAcceptance()
    {
        var hostActs = Enum.GetValues<LabAction>().Where(LabLifecycle.IsHostAct).Order();
        Assert.Equal([LabAction.Submit, LabAction.StartConstruction, LabAction.RequestAcceptance], hostActs);
    }

    [Fact]
    public void Public_OnlyOnceOperating()
    {
        var visible = Enum.GetValues<State>().Where(LabLifecycle.IsPublic).Order();
        Assert.Equal([State.Operating, State.Rectification, State.Revoked, State.Upgraded], visible);
    }

    [Theory]
    [InlineData(PostState.Open, PostAction.Fill, PostState.Filled)]
    [InlineData(PostState.Open, PostAction.Close, PostState.Closed)]
    [InlineData(PostState.Filled, PostAction.Close, PostState.Closed)]
    [InlineData(PostState.Filled, PostAction.Fill, null)]
    [InlineData(PostState.Closed, PostAction.Fill, null)]
    [InlineData(PostState.Closed, PostAction.Close, null)]
    public void PostNext_FollowsOpenFilledClosed(PostState from, PostAction action, PostState? expected) =>
        Assert.Equal(expected, PostLifecycle.Next(from, action));
}
