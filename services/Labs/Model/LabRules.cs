using Collaboration.Common.V1;
using Collaboration.Shared.Identity;
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

    /// <summary>States only the host (and the city's admins) may read: current partners see an application once it is submitted.</summary>
    public static readonly IReadOnlyList<State> HostOnlyStates = [State.Draft];

    /// <summary>
    /// Admins and the host always; current partners outside <see cref="HostOnlyStates"/>; every signed-in user
    /// in <see cref="LabLifecycle.PublicStates"/>. LabStore.ListAsync passes both sets to its query.
    /// </summary>
    public static bool CanRead(Caller caller, string hostCode, State state, bool callerIsCurrentPartner) =>
        caller.IsAdmin
        || caller.ActsFor(hostCode)
        || LabLifecycle.IsPublic(state)
        || (!HostOnlyStates.Contains(state) && callerIsCurrentPartner);

    /// <summary>True when reading needs no partner lookup to decide.</summary>
    public static bool DecidedWithoutPartnership(Caller caller, string hostCode, State state) =>
        caller.IsAdmin || caller.ActsFor(hostCode) || LabLifecycle.IsPublic(state) || HostOnlyStates.Contains(state);

    /// <summary>The level an upgrade leads to, or null at the top.</summary>
    public static Level? NextLevel(Level level) => level switch
    {
        Level.Municipal => Level.Provincial,
        Level.Provincial => Level.National,
        _ => null,
    };
}
