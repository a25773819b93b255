using Collaboration.Shared.Identity;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Model;

/// <summary>
/// Who may see an alliance: admins and the lead always; an organisation with a live link (invited, or an active
/// member) in every state, since it must see what it is asked to join and what it may leave; every signed-in user
/// once it has been approved (<see cref="AllianceLifecycle.PublicStates"/>). Declined, withdrawn and former members
/// are outsiders again. AllianceStore.ListAsync passes the same sets to its query.
/// </summary>
public static class AllianceAccess
{
    public static bool CanRead(Caller caller, string leadCode, State state, bool callerIsLinked) =>
        caller.IsAdmin
        || caller.ActsFor(leadCode)
        || AllianceLifecycle.IsPublic(state)
        || callerIsLinked;

    /// <summary>True when reading needs no membership lookup to decide.</summary>
    public static bool DecidedWithoutMembership(Caller caller, string leadCode, State state) =>
        caller.IsAdmin || caller.ActsFor(leadCode) || AllianceLifecycle.IsPublic(state);
}
