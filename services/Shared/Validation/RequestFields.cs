using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using Collaboration.Shared.Errors;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.Shared.Validation;

/// <summary>
/// The rules every string of every request obeys, whatever the method: no character PostgreSQL cannot store
/// (NUL) nor any other control character (tab, line feed and carriage return are text), no lone surrogate; and a
/// field named <c>industry_chain</c> / <c>industry_chains</c> holds codes of <see cref="IndustryChains"/>.
/// Walks the message by reflection: nested messages, repeated fields and maps, naming each violation by its
/// path (<c>alliance.display_name</c>, <c>members[2].name</c>, <c>labels["k"]</c>).
/// </summary>
public static class RequestFields
{
    public const string ChainField = "industry_chain";
    public const string ChainsField = "industry_chains";

    // C0 except \t \n \r, DEL and C1, and every surrogate (pairs are then told apart from lone ones).
    private static readonly SearchValues<char> Suspect = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Where(c => c is not ('\t' or '\n' or '\r')).Select(c => (char)c))
        + string.Concat(Enumerable.Range(0x7F, 0x21).Select(c => (char)c))
        + string.Concat(Enumerable.Range(0xD800, 0x800).Select(c => (char)c)));

    private static readonly ConcurrentDictionary<MessageDescriptor, bool> HasStrings = new();

    /// <summary>Null when every character of <paramref name="value"/> may be stored; otherwise why not, in words.</summary>
    public static string? CharacterProblem(string value)
    {
        var span = value.AsSpan();
        var offset = 0;
        while (span.IndexOfAny(Suspect) is var i and >= 0)
        {
            var c = span[i];
            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                span = span[(i + 2)..];
                offset += i + 2;
                continue;
            }
            var position = offset + i + 1;
            return c switch
            {
                '\0' => $"contains a NUL character (U+0000) at position {position}; text cannot hold it.",
                _ when char.IsSurrogate(c) => $"contains a lone surrogate (U+{(int)c:X4}) at position {position}; text must be valid Unicode.",
                _ => $"contains the control character U+{(int)c:X4} at position {position}; only tab, line feed and carriage return are allowed.",
            };
        }
        return null;
    }

    /// <summary>Adds a violation for every string of <paramref name="message"/> that breaks the rules.</summary>
    public static void Check(IMessage message, IndustryChains chains, FieldViolations violations, string prefix = "") =>
        Walk(message, prefix, chains, violations, mask: null, maskPrefix: "");

    /// <summary>Whether <paramref name="descriptor"/> holds a string anywhere (nested, repeated or as a map key or value).</summary>
    public static bool ReachesStrings(MessageDescriptor descriptor) => HasStrings.GetOrAdd(descriptor, d => Reaches(d, []));

    private static bool Reaches(MessageDescriptor descriptor, HashSet<MessageDescriptor> seen)
    {
        if (!seen.Add(descriptor))
        {
            return false;
        }
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType == FieldType.String
                || (field.FieldType == FieldType.Message && Reaches(field.MessageType, seen)))
            {
                return true;
            }
        }
        return false;
    }

    private static void Walk(IMessage message, string path, IndustryChains chains, FieldViolations violations,
        IReadOnlySet<string>? mask, string maskPrefix)
    {
        var descriptor = message.Descriptor;
        if (!ReachesStrings(descriptor))
        {
            return;
        }
        // Under an update mask, a resource's chain counts only if the mask names it (an old record read back whole
        // may carry a chain from before the list).
        var childMask = mask;
        if (descriptor.FindFieldByName("update_mask") is { FieldType: FieldType.Message } maskField
            && maskField.MessageType.FullName == FieldMask.Descriptor.FullName
            && maskField.Accessor.GetValue(message) is FieldMask { Paths.Count: > 0 } updateMask)
        {
            childMask = updateMask.Paths.ToHashSet(StringComparer.Ordinal);
        }
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType is not (FieldType.String or FieldType.Message))
            {
                continue;
            }
            var name = Join(path, field.Name);
            var value = field.Accessor.GetValue(message);
            // The mask's paths are relative to the resource the request carries (a message field beside the mask).
            var (fieldMask, fieldMaskPrefix) = childMask != mask && field.FieldType == FieldType.Message
                ? (childMask, "")
                : (mask, Join(maskPrefix, field.Name));
            if (field.IsMap)
            {
                var valueField = field.MessageType.FindFieldByNumber(2);
                foreach (DictionaryEntry entry in (IDictionary)value)
                {
                    var entryName = $"{name}[{Quote(entry.Key)}]";
                    if (entry.Key is string key)
                    {
                        Text(entryName, key, violations);
                    }
                    Value(entry.Value, entryName, valueField.FieldType == FieldType.String && IsChain(field.Name), chains, violations, fieldMask, fieldMaskPrefix);
                }
            }
            else if (field.IsRepeated)
            {
                var index = 0;
                foreach (var item in (IEnumerable)value)
                {
                    Value(item, $"{name}[{index++}]", field.Name == ChainsField, chains, violations, fieldMask, fieldMaskPrefix);
                }
            }
            else
            {
                Value(value, name, field.Name == ChainField, chains, violations, fieldMask, fieldMaskPrefix);
            }
        }
    }

    private static void Value(object? value, string name, bool isChain, IndustryChains chains, FieldViolations violations,
        IReadOnlySet<string>? mask, string maskPrefix)
    {
        switch (value)
        {
            case string text:
                if (Text(name, text, violations) && isChain && text.Length > 0 && (mask is null || mask.Contains(maskPrefix))
                    && chains.Check(text) is { } problem)
                {
                    violations.Add(name, problem);
                }
                break;
            case IMessage nested:
                Walk(nested, name, chains, violations, mask, maskPrefix);
                break;
        }
    }

    private static bool Text(string name, string text, FieldViolations violations)
    {
        if (CharacterProblem(text) is { } problem)
        {
            violations.Add(name, problem);
            return false;
        }
        return true;
    }

    private static bool IsChain(string fieldName) => fieldName is ChainField or ChainsField;

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    private static string Quote(object key) => key is string text
        ? $"\"{string.Concat(text.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString()))}\""
        : Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture)!;
}
