using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// Partner grants on alliances, with real tokens and the real identity service: an alliance lead grants
/// another organisation (the would-be vice-chair) rights on one draft. Effective while granted, gone on
/// revocation, never wider than granted (one record, content edits only, the role granted).
/// </summary>
public sealed class AllianceGrantTests(PlatformFixture platform)
{
    private const string Lead = "alliance-lead";
    private const string Partner = "stranger";
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    private async Task<AllianceService.AllianceServiceClient> ClientAsync(string key) =>
        platform.Client<AllianceService.AllianceServiceClient>(await platform.OwnerTokenAsync(key));

    private static async Task<Alliance> CreateDraftAsync(AllianceService.AllianceServiceClient lead) =>
        await lead.CreateAllianceAsync(new CreateAllianceRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Alliance = new Alliance
            {
                DisplayName = $"Grant test alliance {Guid.NewGuid():N}",
                IndustryChain = "new-materials",
                LeadOrganization = new Organization { Name = "E2E Lead Co." },
            },
        }, Deadline);

    private static Task<Alliance> RenameAsync(AllianceService.AllianceServiceClient client, Alliance alliance, string name) =>
        client.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = alliance.Name, DisplayName = name, Etag = alliance.Etag },
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        }, Deadline).ResponseAsync;

    private static async Task<StatusCode> CodeOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        return error.StatusCode;
    }

    [Fact]
    public async Task EditorGrant_LetsThePartnerEditThatDraftOnly_UntilRevoked()
    {
        var lead = await ClientAsync(Lead);
        var partner = await ClientAsync(Partner);
        var draft = await CreateDraftAsync(lead);
        var other = await CreateDraftAsync(lead);

        // Before: a draft is the lead's alone.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => partner.GetAllianceAsync(new GetAllianceRequest { Name = draft.Name }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, draft, "taken over")));

        var grant = await platform.GrantAsync(Lead, draft.Name, Partner, "editor");

        // While granted: the partner reads and edits the content of that one draft, and the edit is the alliance's.
        var seen = await partner.GetAllianceAsync(new GetAllianceRequest { Name = draft.Name }, Deadline);
        var renamed = await RenameAsync(partner, seen, $"Renamed by the vice-chair {Guid.NewGuid():N}");
        Assert.Equal(renamed.DisplayName, (await lead.GetAllianceAsync(new GetAllianceRequest { Name = draft.Name }, Deadline)).DisplayName);
        Assert.Equal(platform.Code(Lead), renamed.LeadOrganization.CreditCode);

        // Never wider: not the lead's other draft, not the lifecycle, not the members, not the audit trail.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => partner.GetAllianceAsync(new GetAllianceRequest { Name = other.Name }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, other, "not granted")));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.SubmitAllianceAsync(new SubmitAllianceRequest { Name = draft.Name, Etag = renamed.Etag }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = draft.Name }, Deadline).ResponseAsync));
        var list = await partner.ListAlliancesAsync(new ListAlliancesRequest { PageSize = 200, State = Alliance.Types.State.Draft, IndustryChain = "new-materials" }, Deadline);
        Assert.DoesNotContain(list.Alliances, a => a.Name == other.Name);

        await platform.RevokeAsync(Lead, grant);

        // Gone on the next call: back to NOT_FOUND, the record as the partner left it.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => partner.GetAllianceAsync(new GetAllianceRequest { Name = draft.Name }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, renamed, "after revocation")));
        Assert.Equal(renamed.Etag, (await lead.GetAllianceAsync(new GetAllianceRequest { Name = draft.Name }, Deadline)).Etag);

        // Both the grant and its revocation are in the lead's identity audit.
        var audit = await platform.IdentityAuditAsync(Lead);
        Assert.Contains("grant.created", audit);
        Assert.Contains("grant.revoked", audit);
        Assert.Contains(draft.Name, audit);
    }

    [Fact]
    public async Task ViewerGrant_ReadsButNeverWrites()
    {
        var lead = await ClientAsync(Lead);
        var partner = await ClientAsync(Partner);
        var draft = await CreateDraftAsync(lead);

        var grant = await platform.GrantAsync(Lead, draft.Name, Partner, "viewer");

        var seen = await partner.GetAllianceAsync(new GetAllianceRequest { Name = draft.Name }, Deadline);
        Assert.Equal(draft.DisplayName, seen.DisplayName);
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => RenameAsync(partner, seen, "viewer edit")));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.SubmitAllianceAsync(new SubmitAllianceRequest { Name = draft.Name, Etag = seen.Etag }, Deadline).ResponseAsync));
        Assert.Equal(draft.Etag, (await lead.GetAllianceAsync(new GetAllianceRequest { Name = draft.Name }, Deadline)).Etag);

        await platform.RevokeAsync(Lead, grant);
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => partner.GetAllianceAsync(new GetAllianceRequest { Name = draft.Name }, Deadline).ResponseAsync));
    }

    [Fact]
    public async Task GrantByAnOrganisationThatDoesNotOwnTheRecord_GivesNothing()
    {
        var lead = await ClientAsync(Lead);
        var partner = await ClientAsync(Partner);
        var draft = await CreateDraftAsync(lead);

        // The lab host is an owner of its own organisation, not of this alliance: its grant names the alliance but is not the lead's.
        var grant = await platform.GrantAsync("lab-host", draft.Name, Partner, "editor");

        Assert.Equal(StatusCode.NotFound, await CodeOf(() => partner.GetAllianceAsync(new GetAllianceRequest { Name = draft.Name }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, draft, "via a stranger's grant")));
        await platform.RevokeAsync("lab-host", grant);
    }

    private async Task<SharedWithMeChecks<Alliance.Types.State>> SharedWithMeAsync()
    {
        var owner = await ClientAsync(Lead);
        var partner = await ClientAsync(Partner);
        return new(platform, Lead, Partner, "lab-host", async () => (await CreateDraftAsync(owner)).Name,
            async (sharedWithMe, state, pageSize, pageToken) =>
            {
                var page = await partner.ListAlliancesAsync(new ListAlliancesRequest { SharedWithMe = sharedWithMe, State = state, PageSize = pageSize, PageToken = pageToken }, Deadline);
                return ([.. page.Alliances.Select(r => r.Name)], page.NextPageToken);
            },
            Alliance.Types.State.Unspecified, Alliance.Types.State.Draft, Alliance.Types.State.Approved);
    }

    [Fact]
    public async Task SharedWithMe_ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation() =>
        await (await SharedWithMeAsync()).ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation();

    [Fact]
    public async Task SharedWithMe_PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter() =>
        await (await SharedWithMeAsync()).PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter();
}
