using Collaboration.Shared.Identity;

namespace Collaboration.Talent.Model;

/// <summary>
/// Who may see a declaration: the declaring enterprise (any of its people) and the city's admins; nobody else,
/// whatever its state: a competitor never learns what another enterprise declared. DeclarationStore.ListAsync applies
/// the same rule to every list and filter.
/// </summary>
public static class DeclarationAccess
{
    public static bool CanRead(Caller caller, string enterpriseCode) => caller.IsAdmin || caller.ActsFor(enterpriseCode);

    /// <summary>Content edits, submitting and corrections: an owner or editor of the declaring enterprise.</summary>
    public static bool CanWrite(Caller caller, string enterpriseCode) => caller.CanEditFor(enterpriseCode);
}
