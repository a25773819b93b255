using Collaboration.Talent.Model;
using Collaboration.Talent.V1;

namespace Collaboration.Talent.Tests;

/// <summary>The shortage index against figures computed by hand: demand ÷ supply, two places, half up, no floating point.</summary>
public sealed class ShortageIndexTests
{
    [Theory]
    [InlineData(25, 12, "2.08")]   // 2.0833…
    [InlineData(5, 2, "2.50")]
    [InlineData(1, 8, "0.13")]     // 0.125 → half up
    [InlineData(2, 3, "0.67")]     // 0.666…
    [InlineData(1, 3, "0.33")]     // 0.333…
    [InlineData(6, 5, "1.20")]
    [InlineData(10_000, 1, "10000.00")]
    [InlineData(3, 4, "0.75")]
    [InlineData(1, 200, "0.01")]   // 0.005 → half up
    [InlineData(1, 201, "0.00")]   // 0.004975…
    public void Of_HandComputed(long demand, long supply, string expected)
    {
        var index = ShortageIndex.Of(demand, supply);
        Assert.False(index.NoSupply);
        Assert.Equal(expected, index.ToString());
    }

    [Fact]
    public void Of_NoSupply_NoIndex_Scarce()
    {
        var index = ShortageIndex.Of(7, 0);
        Assert.True(index.NoSupply);
        Assert.Equal("", index.ToString());
        Assert.Equal(Band.Scarce, CatalogueBanding.BandOf(index, 200, 120));
    }

    [Theory]
    [InlineData(200, Band.Scarce)]
    [InlineData(199, Band.Urgent)]
    [InlineData(120, Band.Urgent)]
    [InlineData(119, Band.General)]
    [InlineData(0, Band.General)]
    public void BandOf_ThresholdsInclusive(long hundredths, Band expected) =>
        Assert.Equal(expected, CatalogueBanding.BandOf(new ShortageIndex(hundredths, false), 200, 120));

    [Theory]
    [InlineData("2.00", "1.20", true)]
    [InlineData("3", "1.5", true)]
    [InlineData("1.20", "2.00", false)]
    [InlineData("2.001", "1.20", false)]
    [InlineData("two", "1.20", false)]
    [InlineData("2.00", "0", false)]
    public void BandThresholds_DecimalsWithTwoPlaces_UrgentBelowScarce(string scarce, string urgent, bool valid)
    {
        var thresholds = new BandThresholds { Scarce = scarce, Urgent = urgent };
        if (valid)
        {
            Assert.True(thresholds.Validated().Scarce > thresholds.Validated().Urgent);
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => thresholds.Validated());
        }
    }
}
