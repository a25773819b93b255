using Collaboration.Shared.Identity;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Model;

/// <summary>
/// Who may see an alliance: admins and the lead always; current members once it is submitted;
/// every signed-in user once it has been approved (<see cref="AllianceLifecycle.PublicStates"/>).
/// AllianceStore.ListAsync passes the same state sets to its query.
/// </summary>
public static class AllianceAccess
{
    /// <summary>States only the lead (and the city's admins) may read: members see the alliance once it is submitted.</summary>
    public static readonly IReadOnlyList<State> LeadOnlyStates = [State.Draft];

    public static bool CanRead(Caller caller, string leadCode, State state, bool callerIsCurrentMember) =>
        caller.IsAdmin
        || caller.ActsFor(leadCode)
        || AllianceLifecycle.IsPublic(state)
        || (!LeadOnlyStates.Contains(state) && callerIsCurrentMember);

    /// <summary>True when reading needs no membership lookup to decide.</summary>
    public static bool DecidedWithoutMembership(Caller caller, string leadCode, State state) =>
        caller.IsAdmin || caller.ActsFor(leadCode) || AllianceLifecycle.IsPublic(state) || LeadOnlyStates.Contains(state);
}
