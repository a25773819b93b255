using Collaboration.Alliances.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Tests;

/// <summary>Object- and function-level authorization: what may not be seen is NOT_FOUND, what may be seen but not done PERMISSION_DENIED.</summary>
public sealed class AuthorizationTests(AlliancesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    [Fact]
    public async Task Draft_OtherOrganisation_CannotSeeItAnywhere()
    {
        var alliance = await _as.CreateAsync(chain: TestChains.New());

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.ListMembersAsync(new ListMembersRequest { Parent = alliance.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = alliance.Name, ShortName = "X" },
            UpdateMask = new FieldMask { Paths = { "short_name" } },
        }).ResponseAsync);
        var list = await _as.Other.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = alliance.IndustryChain });
        Assert.Empty(list.Alliances);
        var byMember = await _as.Other.ListAlliancesAsync(new ListAlliancesRequest { MemberCreditCode = _as.Enterprise });
        Assert.DoesNotContain(byMember.Alliances, a => a.Name == alliance.Name);
        // The lead and admins see it.
        Assert.Single((await _as.Lead.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = alliance.IndustryChain })).Alliances);
        Assert.Single((await _as.Admin.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = alliance.IndustryChain })).Alliances);
    }

    [Fact]
    public async Task Draft_InvitedAndActiveMembersSeeIt_DecliningAndFormerOnesDoNot()
    {
        var alliance = await _as.CreateAsync();
        var invited = await _as.InviteUniversityAsync(alliance);

        // Invited: it sees the draft it is asked to join, with its members, and can answer.
        Assert.Equal(State.Draft, (await _as.UniversityClient.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).State);
        Assert.Contains((await _as.UniversityClient.ListMembersAsync(new ListMembersRequest { Parent = alliance.Name })).Members, m => m.Name == invited.Name);
        var member = await _as.UniversityClient.AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name });
        Assert.Equal(State.Draft, (await _as.UniversityClient.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).State);
        var listed = await _as.UniversityClient.ListAlliancesAsync(new ListAlliancesRequest { MemberCreditCode = _as.University });
        Assert.Contains(listed.Alliances, a => a.Name == alliance.Name);

        // Having left, it is an outsider again.
        await _as.UniversityClient.RemoveMemberAsync(new RemoveMemberRequest { Name = member.Name });
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.UniversityClient.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name }).ResponseAsync);
        // So is one that declined.
        var institute = await fixture.Directory.NewAsync("research_institute");
        var declining = _as.As(institute, "research_institute");
        var invitation = await _as.InviteAsync(alliance, institute);
        await declining.DeclineMemberAsync(new DeclineMemberRequest { Name = invitation.Name, Reason = "Not our field." });
        await GrpcAssert.Status(StatusCode.NotFound, () => declining.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name }).ResponseAsync);
        Assert.DoesNotContain((await declining.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = alliance.IndustryChain, PageSize = 200 })).Alliances,
            a => a.Name == alliance.Name);

        // A submitted alliance is still hidden from outsiders.
        await _as.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name }).ResponseAsync);
    }

    [Fact]
    public async Task Approved_OtherOrganisation_ReadsButCannotChange()
    {
        var alliance = await _as.ApprovedAsync();

        Assert.Equal(State.Approved, (await _as.Other.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).State);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Other.AddMemberAsync(new AddMemberRequest
        {
            Parent = alliance.Name,
            Member = new Member
            {
                Organization = new Common.V1.Organization { CreditCode = _as.OtherEnterprise, Name = "Intruder", Kind = Common.V1.OrganizationKind.Enterprise },
                Role = Member.Types.Role.Member,
            },
        }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Other.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = alliance.Name }).ResponseAsync);
    }

    [Fact]
    public async Task Viewer_CannotWrite()
    {
        var alliance = await _as.CreateAsync();
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.LeadViewer.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.LeadViewer.CreateAllianceAsync(new CreateAllianceRequest { Alliance = Actors.NewAlliance() }).ResponseAsync);
        Assert.Equal(State.Draft, (await _as.LeadViewer.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).State);
    }

    [Fact]
    public async Task Lead_CannotRunAdminSteps()
    {
        var alliance = await _as.CreateAsync();
        await _as.AddUniversityAsync(alliance);
        await _as.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });

        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Lead.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Lead.ReturnAllianceAsync(new ReturnAllianceRequest { Name = alliance.Name, Reason = "self" }).ResponseAsync);
        Assert.Equal(State.Submitted, (await _as.Lead.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).State);
    }

    [Fact]
    public async Task CreateAlliance_LedByAnotherOrganisation_PermissionDenied()
    {
        var alliance = Actors.NewAlliance();
        alliance.LeadOrganization.CreditCode = _as.OtherEnterprise;
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Lead.CreateAllianceAsync(new CreateAllianceRequest { Alliance = alliance }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.UniversityClient.CreateAllianceAsync(new CreateAllianceRequest { Alliance = Actors.NewAlliance() }).ResponseAsync);
    }

    [Fact]
    public async Task PageToken_GrantsNothing_AndIsBoundToItsQuery()
    {
        var chain = TestChains.New();
        for (var i = 0; i < 3; i++)
        {
            await _as.CreateAsync(chain: chain);
        }
        var first = await _as.Lead.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = chain, PageSize = 1 });
        Assert.NotEmpty(first.NextPageToken);

        // Another organisation replaying the lead's token sees none of the lead's drafts.
        var replay = await _as.Other.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = chain, PageSize = 1, PageToken = first.NextPageToken });
        Assert.Empty(replay.Alliances);
        // The same token with another filter is refused.
        await GrpcAssert.InvalidFields(() => _as.Lead.ListAlliancesAsync(
            new ListAlliancesRequest { IndustryChain = TestChains.New(), PageToken = first.NextPageToken }).ResponseAsync, "page_token");
    }
}
