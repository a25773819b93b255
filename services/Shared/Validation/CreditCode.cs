namespace Collaboration.Shared.Validation;

/// <summary>
/// The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, positions 9–17
/// the organisation code (GB 11714) with its own check digit, position 18 a check character over
/// a 31-character alphabet.
/// </summary>
public static class CreditCode
{
    public const int Length = 18;
    private const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    private static readonly int[] OrganizationCodeWeights = [3, 7, 9, 10, 5, 8, 4, 2];

    /// <summary>The division code of Loudi (娄底市); its districts and counties are 4313xx.</summary>
    public const string CityDivision = "431300";

    private static readonly Dictionary<string, string> CityDivisionNames = new(StringComparer.Ordinal)
    {
        ["431300"] = "娄底市",
        ["431302"] = "娄星区",
        ["431321"] = "双峰县",
        ["431322"] = "新化县",
        ["431381"] = "冷水江市",
        ["431382"] = "涟源市",
    };

    public static bool IsValid(string? code) => code is not null && Check(code) is null;

    /// <summary>
    /// Characters 3–8: the administrative division (GB/T 2260) where the organisation was registered,
    /// e.g. <c>431302</c> for 娄星区. Only for a valid code.
    /// </summary>
    public static string Division(string code)
    {
        if (!IsValid(code))
        {
            throw new ArgumentException("Not a valid unified social credit code.", nameof(code));
        }
        return code.Substring(2, 6);
    }

    /// <summary>Whether the organisation was registered in the city: its division is 4313xx (the city itself or one of its districts and counties).</summary>
    public static bool IsInCity(string code) => Division(code).StartsWith(CityDivision[..4], StringComparison.Ordinal);

    /// <summary>The name of a division of the city (娄底市, 娄星区, …); null outside the city or for a code GB/T 2260 does not list there.</summary>
    public static string? CityDivisionName(string division) => CityDivisionNames.GetValueOrDefault(division);

    /// <summary>Null when the code is valid; otherwise what is wrong with it, in words.</summary>
    public static string? Check(string code)
    {
        if (code.Length != Length)
        {
            return $"must be {Length} characters (got {code.Length}).";
        }
        for (var i = 0; i < Length; i++)
        {
            if (Alphabet.IndexOf(code[i], StringComparison.Ordinal) < 0)
            {
                return $"character {i + 1} ('{code[i]}') is not allowed: use digits and upper-case letters other than I, O, S, V, Z.";
            }
        }
        if (!char.IsDigit(code[2]) || !code.AsSpan(2, 6).ContainsOnlyDigits())
        {
            return "characters 3–8 must be the administrative division code (digits).";
        }
        var organizationCheck = OrganizationCodeCheck(code.AsSpan(8, 8));
        if (organizationCheck != code[16])
        {
            return $"the organisation code check digit (character 17) should be '{organizationCheck}'.";
        }
        var expected = CheckCharacter(code.AsSpan(0, 17));
        if (expected != code[17])
        {
            return $"the check character (character 18) should be '{expected}'.";
        }
        return null;
    }

    /// <summary>The 18th character for the first 17.</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += Alphabet.IndexOf(first17[i]) * Weights[i];
        }
        return Alphabet[(31 - (sum % 31)) % 31];
    }

    /// <summary>The GB 11714 check digit (position 17 of the credit code) for the 8-character body.</summary>
    public static char OrganizationCodeCheck(ReadOnlySpan<char> body8)
    {
        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            // GB 11714 values letters by their place in the full Latin alphabet (A = 10 … Z = 35).
            var c = body8[i];
            var value = c is >= '0' and <= '9' ? c - '0' : c - 'A' + 10;
            sum += value * OrganizationCodeWeights[i];
        }
        var check = 11 - (sum % 11);
        return check switch { 10 => 'X', 11 => '0', _ => (char)('0' + check) };
    }

    /// <summary>Completes a 16-character prefix (positions 1–16) with both check characters: for seeds and tests.</summary>
    public static string Complete(string first16)
    {
        if (first16.Length != 16)
        {
            throw new ArgumentException("Give the first 16 characters.", nameof(first16));
        }
        var first17 = first16 + OrganizationCodeCheck(first16.AsSpan(8, 8));
        return first17 + CheckCharacter(first17);
    }
}

file static class SpanExtensions
{
    public static bool ContainsOnlyDigits(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }
}
