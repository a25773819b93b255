using Collaboration.Shared.Identity;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Model;

/// <summary>
/// Who may see an alliance: admins and the lead always; current members once it is submitted;
/// every signed-in user once it has been approved. The list query in AllianceStore mirrors this.
/// </summary>
public static class AllianceAccess
{
    public static bool CanRead(Caller caller, string leadCode, State state, bool callerIsCurrentMember) =>
        caller.IsAdmin
        || caller.ActsFor(leadCode)
        || AllianceLifecycle.IsPublic(state)
        || (state != State.Draft && callerIsCurrentMember);

    /// <summary>True when reading needs no membership lookup to decide.</summary>
    public static bool DecidedWithoutMembership(Caller caller, string leadCode, State state) =>
        caller.IsAdmin || caller.ActsFor(leadCode) || AllianceLifecycle.IsPublic(state) || state == State.Draft;
}
