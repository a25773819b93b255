using System.Collections;
using System.Globalization;
using Collaboration.Shared.Errors;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.Shared.Validation;

/// <summary>The paths an Update call changes (AIP-134), checked the same way in every service.</summary>
public static class UpdateMask
{
    /// <summary>
    /// The mask's paths; with an empty mask, every top-level updatable field the patch sets (unless
    /// <paramref name="inferWhenEmpty"/> is false). A path that is output only, about ownership or
    /// unknown is a field violation on <c>update_mask</c>, and so is a mask that names nothing.
    /// </summary>
    public static List<string> Resolve(FieldMask? mask, IMessage patch, IReadOnlyCollection<string> updatable,
        FieldViolations violations, bool inferWhenEmpty = true)
    {
        var paths = mask?.Paths.ToList() ?? [];
        if (paths.Count == 0 && inferWhenEmpty)
        {
            paths = updatable.Where(p => !p.Contains('.', StringComparison.Ordinal) && IsSet(patch, p)).ToList();
        }
        if (paths.Count == 0)
        {
            violations.Add("update_mask", "names no field to update.");
        }
        foreach (var path in paths.Where(p => !updatable.Contains(p)))
        {
            violations.Add("update_mask", $"'{path}' cannot be updated (output only, ownership or unknown); updatable: {string.Join(", ", updatable)}.");
        }
        return paths;
    }

    /// <summary>Whether the patch carries a non-default value for a top-level field.</summary>
    private static bool IsSet(IMessage patch, string field) =>
        patch.Descriptor.FindFieldByName(field)?.Accessor.GetValue(patch) switch
        {
            null => false,
            string text => text.Length > 0,
            ICollection items => items.Count > 0,
            IConvertible scalar => Convert.ToDouble(scalar, CultureInfo.InvariantCulture) != 0, // numbers, enums, bools
            _ => true, // a message that is present
        };
}
