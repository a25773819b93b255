using System.Globalization;
using Collaboration.Talent.V1;

namespace Collaboration.Talent.Model;

/// <summary>
/// The shortage index of a catalogue entry: demand ÷ supply, in hundredths, rounded half up, computed in integers so
/// every replica and every edition gives the same figure (no floating point). Supply 0 has no index: the entry is
/// short of everyone it asks for, and is banded SCARCE.
/// </summary>
public readonly record struct ShortageIndex(long Hundredths, bool NoSupply)
{
    /// <param name="demand">Total declared headcount (≥ 0).</param>
    /// <param name="supply">Seats in training + graduates placed in the city (≥ 0).</param>
    public static ShortageIndex Of(long demand, long supply)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(demand);
        ArgumentOutOfRangeException.ThrowIfNegative(supply);
        // round(100·d/s) half up = ⌊(200·d + s) / 2s⌋ for d, s ≥ 0.
        return supply == 0 ? new ShortageIndex(0, true) : new ShortageIndex((200 * demand + supply) / (2 * supply), false);
    }

    /// <summary>"2.50"; empty when there is no supply.</summary>
    public override string ToString() => NoSupply ? "" : Format(Hundredths);

    public static string Format(long hundredths) =>
        string.Create(CultureInfo.InvariantCulture, $"{hundredths / 100}.{hundredths % 100:D2}");

    /// <summary>A decimal with at most two places ("2", "1.2", "1.25") in hundredths; null when it is not one.</summary>
    public static long? ParseHundredths(string? text)
    {
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value * 100 != decimal.Truncate(value * 100))
        {
            return null;
        }
        return (long)(value * 100);
    }
}

/// <summary>Band thresholds, configuration (<c>Talent:Bands:Scarce</c>, <c>Talent:Bands:Urgent</c>), not code: decimals with two places.</summary>
public sealed class BandThresholds
{
    public const string Section = "Talent:Bands";

    public string Scarce { get; set; } = "2.00";
    public string Urgent { get; set; } = "1.20";

    /// <summary>The thresholds in hundredths; throws at start-up when they are not decimals with 0 &lt; urgent &lt; scarce.</summary>
    public (long Scarce, long Urgent) Validated()
    {
        var scarce = ShortageIndex.ParseHundredths(Scarce);
        var urgent = ShortageIndex.ParseHundredths(Urgent);
        if (scarce is null || urgent is null || urgent <= 0 || urgent >= scarce)
        {
            throw new InvalidOperationException(
                $"{Section}: Scarce ('{Scarce}') and Urgent ('{Urgent}') must be decimals with at most two places and 0 < Urgent < Scarce.");
        }
        return (scarce.Value, urgent.Value);
    }
}

/// <summary>The band an index gives: no supply or at least the scarce threshold → SCARCE; at least the urgent one → URGENT; else GENERAL.</summary>
public static class CatalogueBanding
{
    public static Band BandOf(ShortageIndex index, long scarceHundredths, long urgentHundredths) =>
        index.NoSupply || index.Hundredths >= scarceHundredths ? Band.Scarce
        : index.Hundredths >= urgentHundredths ? Band.Urgent
        : Band.General;
}
