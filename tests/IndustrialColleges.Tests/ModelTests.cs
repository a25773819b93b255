using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Links;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Tests;

public sealed class CollegeLifecycleTests
{
    // The lifecycle as the issue states it, written out independently of the code under test.
    private static readonly (State From, CollegeAction Action, State To)[] Expected =
    [
        (State.Planning, CollegeAction.Submit, State.Submitted),
        (State.Submitted, CollegeAction.Return, State.Planning),
        (State.Submitted, CollegeAction.Approve, State.Approved),
        (State.Approved, CollegeAction.Open, State.Operating),
        (State.Operating, CollegeAction.StartReview, State.UnderReview),
        (State.UnderReview, CollegeAction.Reinstate, State.Operating),
        (State.Operating, CollegeAction.Close, State.Closed),
        (State.UnderReview, CollegeAction.Close, State.Closed),
    ];

    public static TheoryData<State, CollegeAction> EveryPair()
    {
        var data = new TheoryData<State, CollegeAction>();
        foreach (var state in Enum.GetValues<State>())
        {
            foreach (var action in Enum.GetValues<CollegeAction>())
            {
                data.Add(state, action);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Next_EveryStateAndAction_MatchesTheIssueTable(State from, CollegeAction action)
    {
        var expected = Expected.Where(t => t.From == from && t.Action == action).Select(t => (State?)t.To).SingleOrDefault();
        Assert.Equal(expected, CollegeLifecycle.Next(from, action));
    }

    [Fact]
    public void AllowsLinkAct_EveryStateAndAct_PartnersChangeOnlyWhileEditable_DecliningAlways()
    {
        State[] editable = [State.Planning, State.Approved, State.Operating, State.UnderReview];
        foreach (var state in Enum.GetValues<State>())
        {
            foreach (var action in Enum.GetValues<LinkAction>())
            {
                Assert.True(action == LinkAction.Decline || editable.Contains(state) == CollegeLifecycle.AllowsLinkAct(state, action),
                    $"{action} while {state}");
                Assert.True(action != LinkAction.Decline || CollegeLifecycle.AllowsLinkAct(state, action), $"{action} while {state}");
            }
        }
    }

    [Fact]
    public void Closed_IsFinal() =>
        Assert.All(Enum.GetValues<CollegeAction>(), a => Assert.Null(CollegeLifecycle.Next(State.Closed, a)));

    [Fact]
    public void HostActs_AreSubmitAndOpen_RestAreAdmins()
    {
        Assert.Equal([CollegeAction.Submit, CollegeAction.Open], Enum.GetValues<CollegeAction>().Where(a => !CollegeLifecycle.IsAdminAct(a)));
    }

    [Fact]
    public void IsPublic_OnlyOperating() =>
        Assert.Equal([State.Operating], Enum.GetValues<State>().Where(CollegeLifecycle.IsPublic));
}

public sealed class MajorCatalogueTests
{
    private static readonly MajorCatalogue Catalogue = MajorCatalogue.Embedded();

    [Theory]
    [InlineData(2021, "460104", true)]   // 机械制造及自动化
    [InlineData(2021, "430102", true)]   // 黑色冶金技术
    [InlineData(2021, "510101", true)]   // 电子信息工程技术
    [InlineData(2023, "460110", true)]   // still the 2021 edition in 2023
    [InlineData(2024, "460110", false)]  // withdrawn in 2024
    [InlineData(2021, "460116", false)]  // added in 2024
    [InlineData(2024, "460116", true)]
    [InlineData(2025, "460116", true)]   // the latest edition stays in force
    [InlineData(2024, "999999", false)]
    [InlineData(2020, "460104", false)]  // before the first edition
    public void Check_CodeAndYear_ValidOnlyInItsEditions(int year, string code, bool valid) =>
        Assert.Equal(valid, Catalogue.Check(year, code) is null);

    [Fact]
    public void Check_WithdrawnCode_SaysWhichEditionHasIt() =>
        Assert.Contains("2021", Catalogue.Check(2024, "460110"));

    [Fact]
    public void Title_ComesFromTheCatalogue() => Assert.Equal("机械制造及自动化", Catalogue.Title(2021, "460104"));
}

public sealed class ReportRulesTests
{
    [Fact]
    public void Indicators_AreTheThreeRatios()
    {
        var indicators = ReportRules.Indicators(new ReportFigures(2024, 160, 150, 0, 40, 10, 800, 90), capacity: 200);
        Assert.Equal(0.75, indicators.GraduatesToCapacity);
        Assert.Equal(5.0, indicators.MentorHoursPerStudent);
        Assert.Equal(0.25, indicators.CoDevelopedCourseShare);
    }

    [Fact]
    public void Indicators_ZeroDenominators_AreZero()
    {
        var indicators = ReportRules.Indicators(new ReportFigures(2024, 0, 0, 0, 0, 0, 10, 0), capacity: 200);
        Assert.Equal(0, indicators.MentorHoursPerStudent);
        Assert.Equal(0, indicators.CoDevelopedCourseShare);
    }

    [Fact]
    public void Check_NegativeTotals_EachAViolation()
    {
        var problems = ReportRules.Check(new ReportFigures(2024, -1, -1, 0, -1, -1, -1, -1), 2025).Select(p => p.Field).ToList();
        Assert.Equal(["co_developed_courses_delivered", "courses_delivered", "enrolment", "graduates", "mentor_hours", "trainees_hosted"], problems.Order());
    }

    [Theory]
    [InlineData(100, 2022, 120, null)]
    [InlineData(120, 2022, 120, null)]
    [InlineData(121, 2022, 120, "graduates")]
    [InlineData(5, 2022, null, "no report")]
    [InlineData(0, 2022, null, null)]
    public void CheckGraduates_AtMostTheCohortEnrolment(int graduates, int cohortYear, int? enrolment, string? problem)
    {
        var result = ReportRules.CheckGraduates(graduates, cohortYear, enrolment);
        if (problem is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.NotNull(result);
            Assert.Contains(problem == "graduates" ? "must not exceed" : problem, result);
        }
    }
}
