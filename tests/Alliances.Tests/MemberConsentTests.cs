using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Google.Rpc;
using Grpc.Core;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Tests;

/// <summary>Members consent: the lead invites, the invited organisation's owner or editor answers, only active members count.</summary>
public sealed class MemberConsentTests(AlliancesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private async Task<Member> MemberAsync(string name, string alliance) =>
        (await _as.Admin.ListMembersAsync(new ListMembersRequest { Parent = alliance, ShowLeft = true, PageSize = 200 })).Members.Single(m => m.Name == name);

    private async Task<int> MemberCountAsync(string alliance) =>
        (await _as.Admin.GetAllianceAsync(new GetAllianceRequest { Name = alliance })).MemberCount;

    [Fact]
    public async Task AddMember_Invites_AndOnlyAcceptanceMakesItCountForApproval()
    {
        var alliance = await _as.CreateAsync();
        var invited = await _as.InviteUniversityAsync(alliance);

        Assert.Equal(LinkState.Invited, invited.State);
        Assert.Null(invited.JoinedDate);
        Assert.Null(invited.AnswerTime);
        Assert.Equal(1, await MemberCountAsync(alliance.Name));
        await _as.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });
        var refused = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name }).ResponseAsync);
        Assert.Contains("university or research institute", refused.Status.Detail, StringComparison.Ordinal);

        var accepted = await _as.UniversityClient.AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name });

        Assert.Equal(LinkState.Active, accepted.State);
        Assert.NotNull(accepted.AnswerTime);
        Assert.Equal(Collaboration.Shared.Data.Dates.Today.ToString("yyyy-MM-dd"),
            $"{accepted.JoinedDate.Year:D4}-{accepted.JoinedDate.Month:D2}-{accepted.JoinedDate.Day:D2}");
        Assert.Equal(2, await MemberCountAsync(alliance.Name));
        Assert.Equal(State.Approved, (await _as.Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name })).State);
    }

    [Fact]
    public async Task AcceptMember_KeepsTheJoinedDateTheLeadGave()
    {
        var alliance = await _as.CreateAsync();
        var invited = await _as.InviteAsync(alliance, _as.University, joined: new Google.Type.Date { Year = 2024, Month = 9, Day = 1 });

        var accepted = await _as.UniversityClient.AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name });

        Assert.Equal(new Google.Type.Date { Year = 2024, Month = 9, Day = 1 }, accepted.JoinedDate);
    }

    [Fact]
    public async Task Answering_OnlyTheInvitedOrganisationsOwnerOrEditor_NotTheLeadNorAnAdminNorAViewer()
    {
        var alliance = await _as.ApprovedAsync();
        var institute = await fixture.Directory.NewAsync("research_institute");
        var invited = await _as.InviteAsync(alliance, institute);
        var lead = _as.Lead;
        var answerers = new (string Who, AllianceService.AllianceServiceClient Client)[]
        {
            ("the lead", lead),
            ("a city admin", _as.Admin),
            ("a viewer of the invited organisation", _as.As(institute, "research_institute", "viewer")),
            ("another enterprise", _as.Other),
            ("an active member", _as.UniversityClient),
        };
        foreach (var (who, client) in answerers)
        {
            var accept = await Assert.ThrowsAsync<RpcException>(() => client.AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name }).ResponseAsync);
            Assert.True(accept.StatusCode == StatusCode.PermissionDenied, $"{who} accepting: {accept.StatusCode}");
            var decline = await Assert.ThrowsAsync<RpcException>(() => client.DeclineMemberAsync(
                new DeclineMemberRequest { Name = invited.Name, Reason = "On its behalf." }).ResponseAsync);
            Assert.True(decline.StatusCode == StatusCode.PermissionDenied, $"{who} declining: {decline.StatusCode}");
        }
        Assert.Equal(LinkState.Invited, (await MemberAsync(invited.Name, alliance.Name)).State);

        var accepted = await _as.As(institute, "research_institute", "editor").AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name });
        Assert.Equal(LinkState.Active, accepted.State);
        Assert.Equal(3, await MemberCountAsync(alliance.Name));
    }

    [Fact]
    public async Task DeclineMember_NeedsAReason_KeepsItAsHistory_AndEndsTheInvitation()
    {
        var alliance = await _as.CreateAsync();
        var invited = await _as.InviteUniversityAsync(alliance);

        await GrpcAssert.InvalidFields(() => _as.UniversityClient.DeclineMemberAsync(new DeclineMemberRequest { Name = invited.Name, Reason = " " }).ResponseAsync, "reason");
        await GrpcAssert.InvalidFields(() => _as.UniversityClient.DeclineMemberAsync(
            new DeclineMemberRequest { Name = invited.Name, Reason = new string('x', 501) }).ResponseAsync, "reason");
        var declined = await _as.UniversityClient.DeclineMemberAsync(new DeclineMemberRequest { Name = invited.Name, Reason = "No capacity this year." });

        Assert.Equal(LinkState.Declined, declined.State);
        Assert.Equal("No capacity this year.", declined.DeclineReason);
        Assert.NotNull(declined.AnswerTime);
        Assert.Equal(1, await MemberCountAsync(alliance.Name));
        Assert.DoesNotContain((await _as.Lead.ListMembersAsync(new ListMembersRequest { Parent = alliance.Name })).Members, m => m.Name == invited.Name);
        Assert.Contains((await _as.Lead.ListMembersAsync(new ListMembersRequest { Parent = alliance.Name, ShowLeft = true })).Members,
            m => m.Name == invited.Name && m.State == LinkState.Declined);
        // The lead may ask again: a new invitation, a new link.
        var again = await _as.InviteUniversityAsync(alliance);
        Assert.NotEqual(invited.Name, again.Name);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.UniversityClient.AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name }).ResponseAsync);
        Assert.Equal(LinkState.Active, (await _as.UniversityClient.AcceptMemberAsync(new AcceptMemberRequest { Name = again.Name })).State);
    }

    [Fact]
    public async Task RemoveMember_ByTheLead_WithdrawsAnInvitation_WithoutADate()
    {
        var alliance = await _as.ApprovedAsync();
        var institute = await fixture.Directory.NewAsync("research_institute");
        var invited = await _as.InviteAsync(alliance, institute);

        var withdrawn = await _as.Lead.RemoveMemberAsync(new RemoveMemberRequest { Name = invited.Name });

        Assert.Equal(LinkState.Withdrawn, withdrawn.State);
        Assert.Null(withdrawn.LeftDate);
        Assert.Equal(2, await MemberCountAsync(alliance.Name));
        var late = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.As(institute, "research_institute").AcceptMemberAsync(
            new AcceptMemberRequest { Name = invited.Name }).ResponseAsync);
        Assert.Equal("INVALID_STATE", late.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Lead.RemoveMemberAsync(new RemoveMemberRequest { Name = invited.Name }).ResponseAsync);
    }

    [Fact]
    public async Task RemoveMember_ByTheMemberItself_LeavesOnItsDate_ButNeverForAnother()
    {
        var alliance = await _as.ApprovedAsync();
        var institute = await fixture.Directory.NewAsync("research_institute");
        var other = await _as.AddAcceptedAsync(alliance, institute, "research_institute", joined: new Google.Type.Date { Year = 2024, Month = 1, Day = 1 });
        var university = (await _as.Admin.ListMembersAsync(new ListMembersRequest { Parent = alliance.Name })).Members.Single(m => m.Organization.CreditCode == _as.University);

        // A member does not end another member's membership, and its viewers do not end its own.
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.UniversityClient.RemoveMemberAsync(new RemoveMemberRequest { Name = other.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.As(_as.University, "university", "viewer").RemoveMemberAsync(
            new RemoveMemberRequest { Name = university.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.RemoveMemberAsync(new RemoveMemberRequest { Name = university.Name }).ResponseAsync);
        Assert.Equal(3, await MemberCountAsync(alliance.Name));

        var left = await _as.As(institute, "research_institute", "editor").RemoveMemberAsync(new RemoveMemberRequest
        {
            Name = other.Name, LeftDate = new Google.Type.Date { Year = 2025, Month = 6, Day = 30 },
        });

        Assert.Equal(LinkState.Left, left.State);
        Assert.Equal(new Google.Type.Date { Year = 2025, Month = 6, Day = 30 }, left.LeftDate);
        Assert.Equal(2, await MemberCountAsync(alliance.Name));
        var audit = await _as.Admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = alliance.Name, PageSize = 200 });
        Assert.Contains(audit.AuditEntries, e => e.Action == "RemoveMember" && e.Resource == other.Name && e.Detail.Contains("(leave)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RemoveMember_ByAnInvitedOrganisation_FailedPrecondition_ItDeclinesInstead()
    {
        var alliance = await _as.CreateAsync();
        var invited = await _as.InviteUniversityAsync(alliance);

        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.UniversityClient.RemoveMemberAsync(new RemoveMemberRequest { Name = invited.Name }).ResponseAsync);

        Assert.Equal(LinkState.Invited, (await MemberAsync(invited.Name, alliance.Name)).State);
    }

    [Fact]
    public async Task AddMember_WhileInvited_AlreadyExists()
    {
        var alliance = await _as.CreateAsync();
        await _as.InviteUniversityAsync(alliance);

        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.InviteUniversityAsync(alliance));
    }

    [Fact]
    public async Task EveryAct_IsAudited_WithWhoActed()
    {
        var alliance = await _as.CreateAsync();
        var accepted = await _as.AddUniversityAsync(alliance);
        var institute = await fixture.Directory.NewAsync("research_institute");
        var declined = await _as.InviteAsync(alliance, institute);
        await _as.As(institute, "research_institute").DeclineMemberAsync(new DeclineMemberRequest { Name = declined.Name, Reason = "Busy." });
        var withdrawn = await _as.InviteAsync(alliance, await fixture.Directory.NewAsync("enterprise"));
        await _as.Lead.RemoveMemberAsync(new RemoveMemberRequest { Name = withdrawn.Name });
        await _as.Lead.RemoveMemberAsync(new RemoveMemberRequest { Name = accepted.Name });

        var audit = (await _as.Lead.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = alliance.Name, PageSize = 200 })).AuditEntries;

        Assert.Contains(audit, e => e.Action == "AcceptMember" && e.Resource == accepted.Name && e.ActorOrganization == _as.University);
        Assert.Contains(audit, e => e.Action == "DeclineMember" && e.Resource == declined.Name && e.Detail.EndsWith("Busy.", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "RemoveMember" && e.Resource == withdrawn.Name && e.Detail.Contains("Withdrawn", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "RemoveMember" && e.Resource == accepted.Name && e.Detail.Contains("(remove)", StringComparison.Ordinal));
        Assert.Equal(3, audit.Count(e => e.Action == "AddMember"));
    }

    [Fact]
    public async Task ListAlliances_InvitationsForMe_ListsWhatAwaitsTheCallersAnswer()
    {
        var alliance = await _as.CreateAsync();
        var invited = await _as.InviteUniversityAsync(alliance);
        var mine = new ListAlliancesRequest { InvitationsForMe = true, PageSize = 200 };

        Assert.Equal([alliance.Name], (await _as.UniversityClient.ListAlliancesAsync(mine)).Alliances.Select(a => a.Name));
        Assert.Empty((await _as.Lead.ListAlliancesAsync(mine)).Alliances);
        Assert.DoesNotContain((await _as.Admin.ListAlliancesAsync(mine)).Alliances, a => a.Name == alliance.Name);

        await _as.UniversityClient.AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name });

        Assert.Empty((await _as.UniversityClient.ListAlliancesAsync(mine)).Alliances);
    }
}
