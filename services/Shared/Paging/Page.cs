using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Collaboration.Shared.Errors;

namespace Collaboration.Shared.Paging;

/// <summary>
/// Page size and keyset page tokens as API.md describes. A token carries the last key seen and a
/// fingerprint of the query that made it, so reusing it with other filters is INVALID_ARGUMENT.
/// </summary>
public static class Page
{
    public const int DefaultSize = 50;
    public const int MaxSize = 200;

    /// <summary>0 → default, above the maximum → the maximum, negative → a field violation.</summary>
    public static int Size(int requested, FieldViolations violations, string field = "page_size")
    {
        if (requested < 0)
        {
            violations.Add(field, "must not be negative.");
            return DefaultSize;
        }
        return requested == 0 ? DefaultSize : Math.Min(requested, MaxSize);
    }

    /// <summary>A fingerprint of the filters that shape a query (not the page size, which may change between pages).</summary>
    public static string Fingerprint(params object?[] filters)
    {
        var text = string.Join('\u001f', filters.Select(f => f?.ToString() ?? ""));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 8);
    }

    public static string Token(string lastKey, string fingerprint) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"1|{fingerprint}|{lastKey}"));

    /// <summary>The last key from a token, or null for the first page; violations for a malformed or foreign token.</summary>
    public static string? After(string? token, string fingerprint, FieldViolations violations, string field = "page_token")
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            violations.Add(field, "is not a page token this service issued.");
            return null;
        }
        var parts = text.Split('|', 3);
        if (parts.Length != 3 || parts[0] != "1" || parts[2].Length == 0)
        {
            violations.Add(field, "is not a page token this service issued.");
            return null;
        }
        if (parts[1] != fingerprint)
        {
            violations.Add(field, "was issued for a different query; keep the same filters while paging.");
            return null;
        }
        return parts[2];
    }

    /// <summary>The last key as a UUID (the keyset of most lists), or null for the first page.</summary>
    public static Guid? AfterGuid(string? token, string fingerprint, FieldViolations violations, string field = "page_token") =>
        Typed(After(token, fingerprint, violations, field), violations, field,
            static (string key, out Guid value) => Guid.TryParseExact(key, "D", out value));

    /// <summary>The last key as a number (audit ids, years, cycles), or null for the first page.</summary>
    public static long? AfterLong(string? token, string fingerprint, FieldViolations violations, string field = "page_token") =>
        Typed(After(token, fingerprint, violations, field), violations, field,
            static (string key, out long value) => long.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value));

    private delegate bool TryParse<T>(string key, out T value);

    private static T? Typed<T>(string? key, FieldViolations violations, string field, TryParse<T> parse) where T : struct
    {
        if (key is null)
        {
            return null;
        }
        if (parse(key, out var value))
        {
            return value;
        }
        violations.Add(field, "is not a page token this service issued.");
        return null;
    }

    /// <summary>
    /// Takes the rows fetched with LIMIT size + 1 and returns the page and the next token
    /// (empty at the end).
    /// </summary>
    public static (IReadOnlyList<T> Items, string NextToken) Slice<T>(IReadOnlyList<T> rows, int size, Func<T, string> key, string fingerprint)
    {
        if (rows.Count <= size)
        {
            return (rows, "");
        }
        var items = rows.Take(size).ToList();
        return (items, Token(key(items[^1]), fingerprint));
    }
}
