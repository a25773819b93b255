using Collaboration.Common.V1;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Links;

namespace Collaboration.Shared.Tests;

/// <summary>The consent table every link between organisations follows (alliance members, lab and college partners).</summary>
public sealed class LinkConsentTests
{
    private const string Host = "914313001874265378";
    private const string Invited = "12431302448731207H";

    [Fact]
    public void EveryPairOfStateAndAct_LeadsExactlyWhereTheTableSays()
    {
        var expected = new Dictionary<(LinkState, LinkAction), LinkState>
        {
            [(LinkState.Invited, LinkAction.Accept)] = LinkState.Active,
            [(LinkState.Invited, LinkAction.Decline)] = LinkState.Declined,
            [(LinkState.Invited, LinkAction.Withdraw)] = LinkState.Withdrawn,
            [(LinkState.Active, LinkAction.Leave)] = LinkState.Left,
            [(LinkState.Active, LinkAction.Remove)] = LinkState.Left,
        };
        foreach (var state in Enum.GetValues<LinkState>())
        {
            foreach (var action in Enum.GetValues<LinkAction>())
            {
                Assert.Equal(expected.TryGetValue((state, action), out var to) ? to : null, LinkConsent.Next(state, action));
            }
        }
    }

    [Fact]
    public void OnlyActiveLinksCount_AndOnlyInvitedOrActiveAreLive()
    {
        Assert.Equal([LinkState.Active], Enum.GetValues<LinkState>().Where(LinkConsent.Counts));
        Assert.Equal([LinkState.Invited, LinkState.Active], Enum.GetValues<LinkState>().Where(LinkConsent.IsLive));
        Assert.Empty(LinkConsent.LiveStates.Intersect(LinkConsent.EndedStates));
        Assert.Equal(Enum.GetValues<LinkState>().Length - 1, LinkConsent.LiveStates.Count + LinkConsent.EndedStates.Count);
    }

    [Theory]
    [InlineData(LinkAction.Accept)]
    [InlineData(LinkAction.Decline)]
    [InlineData(LinkAction.Leave)]
    public void TheInvitedOrganizationsOwnerOrEditorAnswers_NobodyElse(LinkAction action)
    {
        Assert.True(LinkConsent.MayAct(new Caller("o", Invited, OrganizationKind.University, CallerRole.Owner), action, Invited, hostMayWrite: false));
        Assert.True(LinkConsent.MayAct(new Caller("e", Invited, OrganizationKind.University, CallerRole.Editor), action, Invited, hostMayWrite: false));
        Assert.False(LinkConsent.MayAct(new Caller("v", Invited, OrganizationKind.University, CallerRole.Viewer), action, Invited, hostMayWrite: false));
        Assert.False(LinkConsent.MayAct(new Caller("h", Host, OrganizationKind.Enterprise, CallerRole.Owner), action, Invited, hostMayWrite: true));
        Assert.False(LinkConsent.MayAct(new Caller("a", "", OrganizationKind.Unspecified, CallerRole.Admin), action, Invited, hostMayWrite: true));
    }

    [Theory]
    [InlineData(LinkAction.Withdraw)]
    [InlineData(LinkAction.Remove)]
    public void TheHostsWritersWithdrawAndRemove_NotTheInvited(LinkAction action)
    {
        Assert.True(LinkConsent.MayAct(new Caller("h", Host, OrganizationKind.Enterprise, CallerRole.Editor), action, Invited, hostMayWrite: true));
        Assert.False(LinkConsent.MayAct(new Caller("o", Invited, OrganizationKind.University, CallerRole.Owner), action, Invited, hostMayWrite: false));
    }

    [Fact]
    public void Removal_IsLeavingForTheLinkedOrganization_WithdrawalOrRemovalForTheHost()
    {
        Assert.Equal(LinkAction.Leave, LinkConsent.RemovalBy(callerIsLinkedOrganization: true, LinkState.Active));
        Assert.Equal(LinkAction.Withdraw, LinkConsent.RemovalBy(callerIsLinkedOrganization: false, LinkState.Invited));
        Assert.Equal(LinkAction.Remove, LinkConsent.RemovalBy(callerIsLinkedOrganization: false, LinkState.Active));
    }
}
