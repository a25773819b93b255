using Collaboration.Shared.Identity;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Model;

/// <summary>
/// Who may see an industrial college: admins, the host and current partners always; every
/// signed-in user in <see cref="CollegeLifecycle.PublicStates"/>. IndustrialCollegeStore.ListAsync passes
/// that set to its query.
/// </summary>
public static class CollegeAccess
{
    public static bool CanRead(Caller caller, string hostCode, State state, bool callerIsCurrentPartner) =>
        caller.IsAdmin || caller.ActsFor(hostCode) || CollegeLifecycle.IsPublic(state) || callerIsCurrentPartner;

    /// <summary>True when reading needs no partner lookup to decide.</summary>
    public static bool DecidedWithoutPartnership(Caller caller, string hostCode, State state) =>
        caller.IsAdmin || caller.ActsFor(hostCode) || CollegeLifecycle.IsPublic(state);
}
