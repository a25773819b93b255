using Collaboration.Common.V1;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Links;
using Kind = Collaboration.Labs.V1.Lab.Types.Kind;
using Level = Collaboration.Labs.V1.Lab.Types.Level;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Model;

/// <summary>Who may host a platform, who may see one, and where an upgrade leads.</summary>
public static class LabRules
{
    /// <summary>An enterprise technology centre is hosted by an enterprise; the other kinds also by a university or research institute.</summary>
    public static bool CanHost(Kind kind, OrganizationKind host) => kind switch
    {
        Kind.EnterpriseTechnologyCenter => host == OrganizationKind.Enterprise,
        Kind.KeyLaboratory or Kind.EngineeringResearchCenter =>
            host is OrganizationKind.Enterprise or OrganizationKind.University or OrganizationKind.ResearchInstitute,
        _ => false,
    };

    /// <summary>
    /// Links whose organisation reads the platform in every state, a draft included: an invitation shows what it invites
    /// to, and accepting it must not hide the draft the partner just agreed to join (as an alliance's members). Ended
    /// links read nothing more.
    /// </summary>
    public static readonly IReadOnlyList<LinkState> ReadsInEveryState = LinkConsent.LiveStates;

    /// <summary>
    /// Admins and the host always; every signed-in user in <see cref="LabLifecycle.PublicStates"/>; an invited or active
    /// partner in every state. A declined, withdrawn or former partner reads only what everyone reads. LabStore.ListAsync
    /// passes the same set to its query.
    /// </summary>
    public static bool CanRead(Caller caller, string hostCode, State state, LinkState? callerLink) =>
        caller.IsAdmin
        || caller.ActsFor(hostCode)
        || LabLifecycle.IsPublic(state)
        || (callerLink is { } link && ReadsInEveryState.Contains(link));

    /// <summary>True when reading needs no partner lookup to decide.</summary>
    public static bool DecidedWithoutPartnership(Caller caller, string hostCode, State state) =>
        caller.IsAdmin || caller.ActsFor(hostCode) || LabLifecycle.IsPublic(state);

    /// <summary>The level an upgrade leads to, or null at the top.</summary>
    public static Level? NextLevel(Level level) => level switch
    {
        Level.Municipal => Level.Provincial,
        Level.Provincial => Level.National,
        _ => null,
    };
}
