using Collaboration.Common.V1;
using Collaboration.Labs.Model;
using Band = Collaboration.Labs.V1.Evaluation.Types.Band;
using Kind = Collaboration.Labs.V1.Lab.Types.Kind;
using Level = Collaboration.Labs.V1.Lab.Types.Level;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

public sealed class LabGradingTests
{
    [Theory]
    [InlineData(100, Band.Excellent)]
    [InlineData(90, Band.Excellent)]
    [InlineData(89, Band.Good)]
    [InlineData(65, Band.Good)]
    [InlineData(64, Band.BasicallyQualified)]
    [InlineData(60, Band.BasicallyQualified)]
    [InlineData(59, Band.Unqualified)]
    [InlineData(0, Band.Unqualified)]
    public void Band_BothSidesOfEveryEdge(int score, Band expected) => Assert.Equal(expected, LabGrading.Band(score));

    [Fact]
    public void Band_NotFiled_IsUnqualified() => Assert.Equal(Band.Unqualified, LabGrading.Band(null));

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void Band_OutOfRange_Throws(int score) => Assert.Throws<ArgumentOutOfRangeException>(() => LabGrading.Band(score));

    [Theory]
    [InlineData(State.Operating, Band.Excellent, false, null)]
    [InlineData(State.Operating, Band.Good, false, null)]
    [InlineData(State.Operating, Band.BasicallyQualified, false, LabAction.RequireRectification)]
    [InlineData(State.Operating, Band.Unqualified, false, LabAction.RequireRectification)]
    [InlineData(State.Operating, Band.Unqualified, true, LabAction.Revoke)]
    [InlineData(State.Rectification, Band.Unqualified, true, LabAction.Revoke)]
    [InlineData(State.Rectification, Band.Unqualified, false, null)]
    [InlineData(State.Rectification, Band.BasicallyQualified, false, null)]
    [InlineData(State.Rectification, Band.Good, true, null)]
    public void Consequence_FollowsTheRules(State state, Band band, bool neighbourUnqualified, LabAction? expected) =>
        Assert.Equal(expected, LabGrading.Consequence(state, band, neighbourUnqualified));

    [Fact]
    public void ConsecutiveCycles_TheCycleBeforeAndTheCycleAfter() =>
        Assert.Equal([2020, 2022], LabGrading.ConsecutiveCycles(2021).Order());

    [Theory]
    [InlineData(Kind.EnterpriseTechnologyCenter, OrganizationKind.Enterprise, true)]
    [InlineData(Kind.EnterpriseTechnologyCenter, OrganizationKind.University, false)]
    [InlineData(Kind.EnterpriseTechnologyCenter, OrganizationKind.ResearchInstitute, false)]
    [InlineData(Kind.KeyLaboratory, OrganizationKind.Enterprise, true)]
    [InlineData(Kind.KeyLaboratory, OrganizationKind.University, true)]
    [InlineData(Kind.KeyLaboratory, OrganizationKind.ResearchInstitute, true)]
    [InlineData(Kind.KeyLaboratory, OrganizationKind.VocationalCollege, false)]
    [InlineData(Kind.EngineeringResearchCenter, OrganizationKind.ResearchInstitute, true)]
    [InlineData(Kind.EngineeringResearchCenter, OrganizationKind.GovernmentBody, false)]
    public void CanHost_KindDecidesTheHost(Kind kind, OrganizationKind host, bool expected) =>
        Assert.Equal(expected, LabRules.CanHost(kind, host));

    [Theory]
    [InlineData(Level.Municipal, Level.Provincial)]
    [InlineData(Level.Provincial, Level.National)]
    [InlineData(Level.National, null)]
    public void NextLevel_OneUp(Level level, Level? expected) => Assert.Equal(expected, LabRules.NextLevel(level));
}
