using Collaboration.Shared.Validation;

namespace Collaboration.Shared.Tests;

public sealed class CreditCodeTests
{
    [Theory]
    [InlineData("91350100M000100Y43")] // the example printed in GB 32100-2015
    [InlineData("91110000710925243K")]
    public void Check_KnownValidCodes_Valid(string code)
    {
        Assert.Null(CreditCode.Check(code));
        Assert.True(CreditCode.IsValid(code));
    }

    [Theory]
    [InlineData("91350100M000100Y44", "check character (character 18) should be '3'")]
    [InlineData("91350100M000100Y53", "organisation code check digit (character 17) should be '4'")]
    [InlineData("91350100M000100Y4", "must be 18 characters")]
    [InlineData("91350100M000100Y433", "must be 18 characters")]
    [InlineData("91350100M0001O0Y43", "character 14 ('O') is not allowed")]
    [InlineData("91350100m000100Y43", "character 9 ('m') is not allowed")]
    [InlineData("91A50100M000100Y43", "characters 3–8 must be the administrative division code")]
    [InlineData("", "must be 18 characters")]
    public void Check_InvalidCodes_SaysWhy(string code, string expected)
    {
        var problem = CreditCode.Check(code);
        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.False(CreditCode.IsValid(code));
    }

    [Fact]
    public void Complete_AnyPrefix_ProducesValidCode()
    {
        Assert.Equal("91350100M000100Y43", CreditCode.Complete("91350100M000100Y"));
        for (var i = 0; i < 500; i++)
        {
            Assert.True(CreditCode.IsValid(CreditCode.Complete($"91431300{Random.Shared.Next(0, 99_999_999):D8}")));
        }
    }

    [Fact]
    public void OrganizationCodeCheck_RemainderTen_IsX()
    {
        // Find a body whose GB 11714 check is 10 and confirm it is written X (and 11 is written 0).
        var bodies = Enumerable.Range(0, 200).Select(i => $"{i:D8}");
        Assert.Contains(bodies, b => CreditCode.OrganizationCodeCheck(b) == 'X');
        Assert.Contains(bodies, b => CreditCode.OrganizationCodeCheck(b) == '0');
    }

    [Theory]
    [InlineData("91431302", "431302", true, "娄星区")]
    [InlineData("12431300", "431300", true, "娄底市")]
    [InlineData("91431382", "431382", true, "涟源市")]
    [InlineData("91430100", "430100", false, null)] // Changsha: the same province, another city
    [InlineData("91431000", "431000", false, null)] // Chenzhou: 431xxx, but not 4313xx
    [InlineData("91350100", "350100", false, null)]
    [InlineData("91431399", "431399", true, null)] // in the city's range, not a division GB/T 2260 lists
    public void Division_IsCharacters3To8_InCityWhen4313(string first8, string division, bool inCity, string? name)
    {
        var code = CreditCode.Complete($"{first8}MA4L3K7P");

        Assert.Equal(division, CreditCode.Division(code));
        Assert.Equal(inCity, CreditCode.IsInCity(code));
        Assert.Equal(name, CreditCode.CityDivisionName(division));
    }

    [Theory]
    [InlineData("91431302MA4L3K7P3X")]
    [InlineData("914313")]
    public void Division_OfAnInvalidCode_Throws(string code) =>
        Assert.Throws<ArgumentException>(() => CreditCode.Division(code));
}
