using Collaboration.Shared.Validation;
using Collaboration.Apprenticeships.Model;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using PlacementState = Collaboration.Apprenticeships.V1.Placement.Types.State;
using SponsorChangeState = Collaboration.Apprenticeships.V1.SponsorChange.Types.State;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Tests;

public sealed class LifecycleTests
{
    // The lifecycles as DOMAIN.md and the issue state them, written out independently of the code under test.
    private static readonly (State From, CohortAction Action, State To)[] ExpectedCohort =
    [
        (State.Draft, CohortAction.CollegeSubmits, State.AwaitingEnterprise),
        (State.Draft, CohortAction.EnterpriseSubmits, State.AwaitingCollege),
        (State.AwaitingEnterprise, CohortAction.EnterpriseConfirms, State.Agreed),
        (State.AwaitingCollege, CohortAction.CollegeConfirms, State.Agreed),
        (State.Draft, CohortAction.CollegeAmends, State.Draft),
        (State.Draft, CohortAction.EnterpriseAmends, State.Draft),
        (State.AwaitingEnterprise, CohortAction.EnterpriseAmends, State.AwaitingCollege),
        (State.AwaitingEnterprise, CohortAction.CollegeAmends, State.AwaitingEnterprise),
        (State.AwaitingCollege, CohortAction.CollegeAmends, State.AwaitingEnterprise),
        (State.AwaitingCollege, CohortAction.EnterpriseAmends, State.AwaitingCollege),
        (State.Agreed, CohortAction.CollegeAmends, State.AwaitingEnterprise),
        (State.Agreed, CohortAction.EnterpriseAmends, State.AwaitingCollege),
        (State.Approved, CohortAction.CollegeAmends, State.AwaitingEnterprise),
        (State.Approved, CohortAction.EnterpriseAmends, State.AwaitingCollege),
        (State.Recruiting, CohortAction.CollegeAmends, State.AwaitingEnterprise),
        (State.Recruiting, CohortAction.EnterpriseAmends, State.AwaitingCollege),
        (State.Agreed, CohortAction.Approve, State.Approved),
        (State.Approved, CohortAction.OpenRecruitment, State.Recruiting),
        (State.Recruiting, CohortAction.StartTraining, State.InTraining),
        (State.InTraining, CohortAction.Graduate, State.Graduated),
        (State.Graduated, CohortAction.Close, State.Closed),
        (State.Draft, CohortAction.Cancel, State.Cancelled),
        (State.AwaitingEnterprise, CohortAction.Cancel, State.Cancelled),
        (State.AwaitingCollege, CohortAction.Cancel, State.Cancelled),
        (State.Agreed, CohortAction.Cancel, State.Cancelled),
        (State.Approved, CohortAction.Cancel, State.Cancelled),
        (State.Recruiting, CohortAction.Cancel, State.Cancelled),
        (State.InTraining, CohortAction.Cancel, State.Cancelled),
    ];

    public static TheoryData<State, CohortAction> EveryCohortPair()
    {
        var data = new TheoryData<State, CohortAction>();
        foreach (var state in Enum.GetValues<State>())
        {
            foreach (var action in Enum.GetValues<CohortAction>())
            {
                data.Add(state, action);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCohortPair))]
    public void CohortNext_EveryStateAndAction_MatchesTheDomainTable(State from, CohortAction action)
    {
        var expected = ExpectedCohort.Where(t => t.From == from && t.Action == action).Select(t => (State?)t.To).SingleOrDefault();
        Assert.Equal(expected, CohortLifecycle.Next(from, action));
    }

    [Fact]
    public void CohortTable_HasNoTransitionBeyondTheDomain() =>
        Assert.Equal(ExpectedCohort.Order(), CohortLifecycle.All.Order());

    [Theory]
    [InlineData(State.Graduated)]
    [InlineData(State.Closed)]
    [InlineData(State.Cancelled)]
    public void Cancel_FromGraduatedOrLater_NotAllowed(State from) => Assert.Null(CohortLifecycle.Next(from, CohortAction.Cancel));

    [Theory]
    [InlineData(State.InTraining)]
    [InlineData(State.Graduated)]
    public void Amend_AfterTrainingStarted_NotAllowed(State from)
    {
        Assert.Null(CohortLifecycle.Next(from, CohortAction.CollegeAmends));
        Assert.Null(CohortLifecycle.Next(from, CohortAction.EnterpriseAmends));
    }

    [Fact]
    public void TwoPartyApproval_WhicheverPartyAmends_TheOtherConfirms()
    {
        var afterCollegeEdit = CohortLifecycle.Next(State.Agreed, CohortLifecycle.Amend(Party.College))!.Value;
        Assert.Equal(State.AwaitingEnterprise, afterCollegeEdit);
        Assert.Null(CohortLifecycle.Next(afterCollegeEdit, CohortLifecycle.Confirm(Party.College)));
        Assert.Equal(State.Agreed, CohortLifecycle.Next(afterCollegeEdit, CohortLifecycle.Confirm(Party.Enterprise)));

        var afterEnterpriseEdit = CohortLifecycle.Next(State.Approved, CohortLifecycle.Amend(Party.Enterprise))!.Value;
        Assert.Equal(State.AwaitingCollege, afterEnterpriseEdit);
        Assert.Null(CohortLifecycle.Next(afterEnterpriseEdit, CohortLifecycle.Confirm(Party.Enterprise)));
        Assert.Equal(State.Agreed, CohortLifecycle.Next(afterEnterpriseEdit, CohortLifecycle.Confirm(Party.College)));
    }

    [Fact]
    public void IsAllowed_ApproveOnlyAdmins_RunningOnlyCollege_CancelEitherPartyOrAdmin()
    {
        Assert.True(CohortLifecycle.IsAllowed(CohortAction.Approve, Party.None, isAdmin: true));
        Assert.False(CohortLifecycle.IsAllowed(CohortAction.Approve, Party.College, isAdmin: false));
        Assert.False(CohortLifecycle.IsAllowed(CohortAction.Approve, Party.Enterprise, isAdmin: false));
        Assert.True(CohortLifecycle.IsAllowed(CohortAction.StartTraining, Party.College, isAdmin: false));
        Assert.False(CohortLifecycle.IsAllowed(CohortAction.StartTraining, Party.Enterprise, isAdmin: false));
        Assert.False(CohortLifecycle.IsAllowed(CohortAction.EnterpriseConfirms, Party.College, isAdmin: false));
        Assert.True(CohortLifecycle.IsAllowed(CohortAction.Cancel, Party.Enterprise, isAdmin: false));
        Assert.True(CohortLifecycle.IsAllowed(CohortAction.Cancel, Party.None, isAdmin: true));
        Assert.False(CohortLifecycle.IsAllowed(CohortAction.Cancel, Party.None, isAdmin: false));
    }

    private static readonly (EnrolmentState, EnrolmentAction, EnrolmentState)[] ExpectedEnrolment =
    [
        (EnrolmentState.WaitingToStart, EnrolmentAction.Start, EnrolmentState.Live),
        (EnrolmentState.Live, EnrolmentAction.Pause, EnrolmentState.Paused),
        (EnrolmentState.Paused, EnrolmentAction.Resume, EnrolmentState.Live),
        (EnrolmentState.WaitingToStart, EnrolmentAction.Withdraw, EnrolmentState.Withdrawn),
        (EnrolmentState.Live, EnrolmentAction.Withdraw, EnrolmentState.Withdrawn),
        (EnrolmentState.Paused, EnrolmentAction.Withdraw, EnrolmentState.Withdrawn),
        (EnrolmentState.Live, EnrolmentAction.Complete, EnrolmentState.Completed),
    ];

    [Fact]
    public void EnrolmentTable_MatchesTheDomain()
    {
        Assert.Equal(ExpectedEnrolment.Order(), EnrolmentLifecycle.All.Order());
        foreach (var state in Enum.GetValues<EnrolmentState>())
        {
            foreach (var action in Enum.GetValues<EnrolmentAction>())
            {
                var expected = ExpectedEnrolment.Where(t => t.Item1 == state && t.Item2 == action).Select(t => (EnrolmentState?)t.Item3).SingleOrDefault();
                Assert.Equal(expected, EnrolmentLifecycle.Next(state, action));
            }
        }
    }

    [Fact]
    public void PlacementTable_OfferedAcceptedEmployedOrDeclined()
    {
        (PlacementState, PlacementAction, PlacementState)[] expected =
        [
            (PlacementState.Unspecified, PlacementAction.Offer, PlacementState.Offered),
            (PlacementState.Declined, PlacementAction.Offer, PlacementState.Offered),
            (PlacementState.Offered, PlacementAction.Accept, PlacementState.Accepted),
            (PlacementState.Offered, PlacementAction.Decline, PlacementState.Declined),
            (PlacementState.Accepted, PlacementAction.Decline, PlacementState.Declined),
            (PlacementState.Accepted, PlacementAction.Employ, PlacementState.Employed),
        ];
        Assert.Equal(expected.Order(), PlacementLifecycle.All.Order());
        Assert.Null(PlacementLifecycle.Next(PlacementState.Offered, PlacementAction.Employ));
        Assert.Null(PlacementLifecycle.Next(PlacementState.Employed, PlacementAction.Decline));
        Assert.Equal([6, 12, 24], PlacementLifecycle.RetentionMonths);
    }

    [Fact]
    public void SponsorChangeTable_PendingToApprovedRejectedOrWithdrawn()
    {
        (SponsorChangeState, SponsorChangeAction, SponsorChangeState)[] expected =
        [
            (SponsorChangeState.Pending, SponsorChangeAction.Approve, SponsorChangeState.Approved),
            (SponsorChangeState.Pending, SponsorChangeAction.Reject, SponsorChangeState.Rejected),
            (SponsorChangeState.Pending, SponsorChangeAction.Withdraw, SponsorChangeState.Withdrawn),
        ];
        Assert.Equal(expected.Order(), SponsorChangeLifecycle.All.Order());
    }

    [Theory]
    [InlineData("11010519491231002X", null)]       // the standard's own example
    [InlineData("11010519491231002x", null)]       // lower-case x is read as X
    [InlineData("110105194912310021", "check")]
    [InlineData("11010519491231002", "18 characters")]
    [InlineData("1101051949123100AX", "digits")]
    [InlineData("11010519491231002Y", "digit or X")]
    [InlineData("", "required")]
    public void IdentityNumber_Check_ValidatesLengthDigitsAndCheckCharacter(string value, string? problem)
    {
        var result = IdentityNumber.Check(value);
        if (problem is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(problem, result);
            Assert.True(value.Length == 0 || !result!.Contains(value, StringComparison.Ordinal), "a message must not echo the number");
        }
    }

    [Fact]
    public void IdentityNumber_CompleteAndMask()
    {
        Assert.Equal("11010519491231002X", IdentityNumber.Complete("11010519491231002"));
        Assert.Equal("**************002X", IdentityNumber.Mask(IdentityNumber.LastFour("11010519491231002X")));
    }

    [Fact]
    public void IdentityHasher_KeyedAndDeterministic()
    {
        var a = new IdentityHasher(new byte[32]);
        var b = new IdentityHasher(Enumerable.Repeat((byte)1, 32).ToArray());
        Assert.Equal(a.Hash("11010519491231002X"), a.Hash("11010519491231002X"));
        Assert.NotEqual(a.Hash("11010519491231002X"), b.Hash("11010519491231002X"));
        Assert.Throws<InvalidOperationException>(() => new IdentityHasher(new byte[16]));
    }

    [Fact]
    public void Rates_RatioOrNullForZeroDenominator()
    {
        Assert.Equal(0.6667, Rates.Ratio(2, 3));
        Assert.Null(Rates.Ratio(1, 0));
    }

    [Fact]
    public void CodeLists_ShippedListsLoad_MajorEditionsAreCumulative()
    {
        var lists = CodeLists.FromEmbeddedResources();
        Assert.True(lists.Occupations["2022"].Contains("6-18-01-01"));
        Assert.Equal("2022", lists.LatestOccupationVersion);
        Assert.True(lists.Majors["2021"].Contains("460110"));
        Assert.Equal("2024", lists.LatestMajorVersion);
        Assert.False(lists.Majors["2024"].Contains("460110")); // withdrawn in 2024
        Assert.True(lists.Majors["2024"].Contains("460103"));  // carried over
    }
}
