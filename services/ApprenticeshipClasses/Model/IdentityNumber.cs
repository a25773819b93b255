using System.Security.Cryptography;
using System.Text;

namespace Collaboration.Apprenticeships.Model;

/// <summary>
/// The resident identity number (GB 11643): 17 digits and a check character over weights
/// 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2, sum mod 11 → "10X98765432". Only its keyed hash and last
/// four characters are kept; messages about a bad number never repeat it.
/// </summary>
public static class IdentityNumber
{
    public const int Length = 18;
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    /// <summary>Null when valid; otherwise what is wrong, without echoing the number.</summary>
    public static string? Check(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "is required.";
        }
        if (value.Length != Length)
        {
            return $"must be {Length} characters (got {value.Length}).";
        }
        if (!value.AsSpan(0, 17).AllAsciiDigits())
        {
            return "characters 1–17 must be digits.";
        }
        var last = char.ToUpperInvariant(value[17]);
        if (!char.IsAsciiDigit(last) && last != 'X')
        {
            return "character 18 must be a digit or X.";
        }
        return last == CheckCharacter(value.AsSpan(0, 17)) ? null : "the check character (character 18) does not match.";
    }

    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }
        return CheckCharacters[sum % 11];
    }

    /// <summary>A valid number from 17 digits (for synthetic data).</summary>
    public static string Complete(string first17) => first17 + CheckCharacter(first17);

    public static string Normalize(string value) => value.Trim().ToUpperInvariant();

    public static string LastFour(string normalized) => normalized[^4..];

    /// <summary>What every response shows: 14 stars and the last four characters.</summary>
    public static string Mask(string lastFour) => new string('*', Length - 4) + lastFour;

    private static bool AllAsciiDigits(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>HMAC-SHA256 of the normalised identity number under the configured key (Learners:IdentityKey).</summary>
public sealed class IdentityHasher
{
    private readonly byte[] _key;

    public IdentityHasher(byte[] key)
    {
        if (key.Length < 32)
        {
            throw new InvalidOperationException("Learners:IdentityKey must be base64 of at least 32 bytes.");
        }
        _key = key;
    }

    public byte[] Hash(string normalized)
    {
        Span<byte> input = stackalloc byte[Encoding.ASCII.GetMaxByteCount(normalized.Length)];
        var count = Encoding.ASCII.GetBytes(normalized, input);
        return HMACSHA256.HashData(_key, input[..count]);
    }

    /// <summary>
    /// A keyed HMAC reused for many numbers (one bulk import): the key is set up once, not per number. Not thread-safe;
    /// gives the same hashes as <see cref="Hash"/>.
    /// </summary>
    public Session StartSession() => new(IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key));

    public sealed class Session(IncrementalHash hmac) : IDisposable
    {
        public byte[] Hash(string normalized)
        {
            Span<byte> input = stackalloc byte[Encoding.ASCII.GetMaxByteCount(normalized.Length)];
            var count = Encoding.ASCII.GetBytes(normalized, input);
            hmac.AppendData(input[..count]);
            return hmac.GetHashAndReset();
        }

        public void Dispose() => hmac.Dispose();
    }
}
