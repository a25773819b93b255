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
}
