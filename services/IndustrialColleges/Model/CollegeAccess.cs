using Collaboration.Shared.Identity;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Model;

/// <summary>
/// Who may see an industrial college: admins, the host and its partners always — an enterprise with a live link
/// (LinkConsent.LiveStates: active, or invited and deciding whether to accept); every signed-in user in
/// <see cref="CollegeLifecycle.PublicStates"/>. IndustrialCollegeStore.ListAsync passes those sets to its query.
/// </summary>
public static class CollegeAccess
{
    public static bool CanRead(Caller caller, string hostCode, State state, bool callerIsLinked) =>
        caller.IsAdmin || caller.ActsFor(hostCode) || CollegeLifecycle.IsPublic(state) || callerIsLinked;

    /// <summary>True when reading needs no partner lookup to decide.</summary>
    public static bool DecidedWithoutPartnership(Caller caller, string hostCode, State state) =>
        caller.IsAdmin || caller.ActsFor(hostCode) || CollegeLifecycle.IsPublic(state);
}
