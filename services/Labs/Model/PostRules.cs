using Collaboration.Shared.Identity;
using State = Collaboration.Labs.V1.Post.Types.State;

namespace Collaboration.Labs.Model;

/// <summary>
/// Who may read a post an organisation set up without a platform. A platform's posts are read with the
/// platform (<see cref="LabRules.CanRead"/>); an organisation's have no platform to follow.
/// </summary>
public static class PostRules
{
    /// <summary>
    /// States every signed-in caller sees: an open post is an advertisement meant to attract talent. A filled or
    /// closed one names a person, and no public notice requires that outside a platform, so it stays with the
    /// organisation and the city's admins. LabStore.ListOrganizationPostsAsync passes this set to its query.
    /// </summary>
    public static readonly IReadOnlyList<State> PublicStates = [State.Open];

    public static bool CanRead(Caller caller, string organizationCode, State state) =>
        caller.IsAdmin || caller.ActsFor(organizationCode) || PublicStates.Contains(state);
}
