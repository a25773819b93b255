using Collaboration.Common.V1;
using Collaboration.Shared.Identity;

namespace Collaboration.Shared.Links;

/// <summary>The acts on a link between a host record and another organisation.</summary>
public enum LinkAction
{
    /// <summary>The invited organisation says yes.</summary>
    Accept,
    /// <summary>The invited organisation says no.</summary>
    Decline,
    /// <summary>The host takes back an unanswered invitation.</summary>
    Withdraw,
    /// <summary>The linked organisation ends an active link on a date.</summary>
    Leave,
    /// <summary>The host ends an active link on a date.</summary>
    Remove,
}

/// <summary>
/// Consent for every link between organisations (alliance members, lab partners, industrial-college
/// partners) as one table: invited → active | declined | withdrawn; active → left. Which side may act
/// is part of the rule: the invited organisation's owner or editor answers and leaves; the host's
/// writers withdraw and remove. Nobody answers for another organisation, admins included.
/// </summary>
public static class LinkConsent
{
    private static readonly Dictionary<(LinkState From, LinkAction Action), LinkState> Transitions = new()
    {
        [(LinkState.Invited, LinkAction.Accept)] = LinkState.Active,
        [(LinkState.Invited, LinkAction.Decline)] = LinkState.Declined,
        [(LinkState.Invited, LinkAction.Withdraw)] = LinkState.Withdrawn,
        [(LinkState.Active, LinkAction.Leave)] = LinkState.Left,
        [(LinkState.Active, LinkAction.Remove)] = LinkState.Left,
    };

    /// <summary>The state the act leads to, or null when it is not allowed from <paramref name="from"/>.</summary>
    public static LinkState? Next(LinkState from, LinkAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    public static IEnumerable<(LinkState From, LinkAction Action, LinkState To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));

    /// <summary>Acts of the linked (invited) organisation; the others are the host's.</summary>
    public static bool IsLinkedOrganizationAct(LinkAction action) => action is LinkAction.Accept or LinkAction.Decline or LinkAction.Leave;

    /// <summary>
    /// Whether this caller may take this act: the linked organisation's own owner or editor for its acts,
    /// a writer of the host for the host's (<paramref name="hostMayWrite"/>, the service's own rule).
    /// </summary>
    public static bool MayAct(Caller caller, LinkAction action, string linkedOrganization, bool hostMayWrite) =>
        IsLinkedOrganizationAct(action) ? caller.CanEditFor(linkedOrganization) : hostMayWrite;

    /// <summary>
    /// What "remove" means for the caller: the linked organisation leaving, or the host withdrawing an
    /// invitation or removing an active link.
    /// </summary>
    public static LinkAction RemovalBy(bool callerIsLinkedOrganization, LinkState state) =>
        callerIsLinkedOrganization ? LinkAction.Leave : state == LinkState.Invited ? LinkAction.Withdraw : LinkAction.Remove;

    /// <summary>Links that count for every rule.</summary>
    public static bool Counts(LinkState state) => state == LinkState.Active;

    /// <summary>Live links: an organisation has at most one per host record (a new invitation needs the old one ended).</summary>
    public static readonly IReadOnlyList<LinkState> LiveStates = [LinkState.Invited, LinkState.Active];

    /// <summary>Ended links, listed only when a list asks for them.</summary>
    public static readonly IReadOnlyList<LinkState> EndedStates = [LinkState.Declined, LinkState.Withdrawn, LinkState.Left];

    public static bool IsLive(LinkState state) => LiveStates.Contains(state);
}
