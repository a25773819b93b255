using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Model;

/// <summary>The acts that move a cohort. Amendments are edits of the agreed terms by one party.</summary>
public enum CohortAction
{
    CollegeSubmits,
    EnterpriseSubmits,
    CollegeConfirms,
    EnterpriseConfirms,
    CollegeAmends,
    EnterpriseAmends,
    Approve,
    OpenRecruitment,
    StartTraining,
    Graduate,
    Close,
    Cancel,
}

/// <summary>Which side of the two-party agreement a caller acts for.</summary>
public enum Party
{
    None,
    College,
    Enterprise,
}

/// <summary>
/// The cohort lifecycle as one table: draft → awaiting enterprise ⇄ awaiting college → agreed →
/// approved → recruiting → in training → graduated → closed; cancelled from any state before
/// graduated. An amendment of the terms (seats, commitment, dates) by one party after agreement,
/// or while the cohort awaits that party, hands it to the other party to confirm.
/// </summary>
public static class CohortLifecycle
{
    private static readonly Dictionary<(State From, CohortAction Action), State> Transitions = Build();

    private static Dictionary<(State, CohortAction), State> Build()
    {
        var table = new Dictionary<(State, CohortAction), State>
        {
            [(State.Draft, CohortAction.CollegeSubmits)] = State.AwaitingEnterprise,
            [(State.Draft, CohortAction.EnterpriseSubmits)] = State.AwaitingCollege,
            [(State.AwaitingEnterprise, CohortAction.EnterpriseConfirms)] = State.Agreed,
            [(State.AwaitingCollege, CohortAction.CollegeConfirms)] = State.Agreed,

            [(State.Draft, CohortAction.CollegeAmends)] = State.Draft,
            [(State.Draft, CohortAction.EnterpriseAmends)] = State.Draft,
            // A counter-proposal by the awaited party hands the cohort back; the proposer's own edit keeps it waiting.
            [(State.AwaitingEnterprise, CohortAction.EnterpriseAmends)] = State.AwaitingCollege,
            [(State.AwaitingEnterprise, CohortAction.CollegeAmends)] = State.AwaitingEnterprise,
            [(State.AwaitingCollege, CohortAction.CollegeAmends)] = State.AwaitingEnterprise,
            [(State.AwaitingCollege, CohortAction.EnterpriseAmends)] = State.AwaitingCollege,

            [(State.Agreed, CohortAction.Approve)] = State.Approved,
            [(State.Approved, CohortAction.OpenRecruitment)] = State.Recruiting,
            [(State.Recruiting, CohortAction.StartTraining)] = State.InTraining,
            [(State.InTraining, CohortAction.Graduate)] = State.Graduated,
            [(State.Graduated, CohortAction.Close)] = State.Closed,
        };
        // After agreement, whichever party changes the terms, the other confirms again (and the city re-approves).
        foreach (var agreed in new[] { State.Agreed, State.Approved, State.Recruiting })
        {
            table[(agreed, CohortAction.CollegeAmends)] = State.AwaitingEnterprise;
            table[(agreed, CohortAction.EnterpriseAmends)] = State.AwaitingCollege;
        }
        foreach (var open in new[] { State.Draft, State.AwaitingEnterprise, State.AwaitingCollege, State.Agreed, State.Approved, State.Recruiting, State.InTraining })
        {
            table[(open, CohortAction.Cancel)] = State.Cancelled;
        }
        return table;
    }

    public static State? Next(State from, CohortAction action) =>
        Transitions.TryGetValue((from, action), out var to) ? to : null;

    public static IEnumerable<(State From, CohortAction Action, State To)> All =>
        Transitions.Select(t => (t.Key.From, t.Key.Action, t.Value));

    public static CohortAction Submit(Party party) => party == Party.College ? CohortAction.CollegeSubmits : CohortAction.EnterpriseSubmits;

    public static CohortAction Confirm(Party party) => party == Party.College ? CohortAction.CollegeConfirms : CohortAction.EnterpriseConfirms;

    public static CohortAction Amend(Party party) => party == Party.College ? CohortAction.CollegeAmends : CohortAction.EnterpriseAmends;

    /// <summary>Who may perform an act: admins approve; the college runs the cohort; both parties submit, confirm, amend and cancel.</summary>
    public static bool IsAllowed(CohortAction action, Party party, bool isAdmin) => action switch
    {
        CohortAction.Approve => isAdmin,
        CohortAction.CollegeSubmits or CohortAction.CollegeConfirms or CohortAction.CollegeAmends => party == Party.College,
        CohortAction.EnterpriseSubmits or CohortAction.EnterpriseConfirms or CohortAction.EnterpriseAmends => party == Party.Enterprise,
        CohortAction.OpenRecruitment or CohortAction.StartTraining or CohortAction.Graduate => party == Party.College,
        CohortAction.Close => party == Party.College || isAdmin,
        CohortAction.Cancel => party != Party.None || isAdmin,
        _ => false,
    };

    /// <summary>Fields other than the terms (names, codes, chain) change only before agreement.</summary>
    public static bool DetailsEditable(State state) => state is State.Draft or State.AwaitingEnterprise or State.AwaitingCollege;

    /// <summary>States in which the roster may be imported or learners enrolled.</summary>
    public static bool AcceptsEnrolments(State state) => state is State.Approved or State.Recruiting or State.InTraining;

    /// <summary>States in which enrolments move through their own lifecycle.</summary>
    public static bool RunsEnrolments(State state) => state is State.Recruiting or State.InTraining or State.Graduated;
}
