using Collaboration.Alliances.Model;
using Grade = Collaboration.Alliances.V1.Evaluation.Types.Grade;

namespace Collaboration.Alliances.Tests;

public sealed class AllianceGradingTests
{
    [Theory]
    [InlineData(100, Grade.High)]
    [InlineData(86, Grade.High)]
    [InlineData(85, Grade.FairlyHigh)]
    [InlineData(75, Grade.FairlyHigh)]
    [InlineData(74, Grade.Fair)]
    [InlineData(65, Grade.Fair)]
    [InlineData(64, Grade.Poor)]
    [InlineData(0, Grade.Poor)]
    public void Grade_BandEdges(int score, Grade expected) => Assert.Equal(expected, AllianceGrading.Grade(score));

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void Grade_OutOfRange_Throws(int score) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AllianceGrading.Grade(score));
}
