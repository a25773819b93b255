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

    private static async Task<List<string>> SharedNamesAsync(AllianceService.AllianceServiceClient client, Alliance.Types.State state = Alliance.Types.State.Unspecified)
    {
        var page = await client.ListAlliancesAsync(new ListAlliancesRequest { SharedWithMe = true, State = state, PageSize = 200 }, Deadline);
        return [.. page.Alliances.Select(r => r.Name)];
    }

    [Fact]
    public async Task SharedWithMe_ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation()
    {
        var owner = await ClientAsync(Lead);
        var partner = await ClientAsync(Partner);
        var granted = await CreateDraftAsync(owner);
        var notGranted = await CreateDraftAsync(owner);

        Assert.DoesNotContain(granted.Name, await SharedNamesAsync(partner));
        var grant = await platform.GrantAsync(Lead, granted.Name, Partner, "viewer");
        // A grant by an organisation that does not own the record shares nothing, as on Get.
        var strayGrant = await platform.GrantAsync("lab-host", notGranted.Name, Partner, "editor");

        var shared = await SharedNamesAsync(partner);
        Assert.Contains(granted.Name, shared);
        Assert.DoesNotContain(notGranted.Name, shared);
        Assert.Contains(granted.Name, await SharedNamesAsync(partner, Alliance.Types.State.Draft));
        Assert.DoesNotContain(granted.Name, await SharedNamesAsync(partner, Alliance.Types.State.Approved));
        // Without the filter the plain visibility rule applies: a draft is its owner's alone.
        var plain = await partner.ListAlliancesAsync(new ListAlliancesRequest { State = Alliance.Types.State.Draft, PageSize = 200 }, Deadline);
        Assert.DoesNotContain(plain.Alliances, r => r.Name == granted.Name);

        await platform.RevokeAsync(Lead, grant);
        Assert.DoesNotContain(granted.Name, await SharedNamesAsync(partner));
        await platform.RevokeAsync("lab-host", strayGrant);
    }

    [Fact]
    public async Task SharedWithMe_PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter()
    {
        var owner = await ClientAsync(Lead);
        var partner = await ClientAsync(Partner);
        var records = new List<string>();
        var grants = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var record = await CreateDraftAsync(owner);
            records.Add(record.Name);
            grants.Add(await platform.GrantAsync(Lead, record.Name, Partner, "viewer"));
        }

        var seen = new List<string>();
        var pages = 0;
        var request = new ListAlliancesRequest { SharedWithMe = true, State = Alliance.Types.State.Draft, PageSize = 2 };
        do
        {
            var page = await partner.ListAlliancesAsync(request, Deadline);
            Assert.True(page.Alliances.Count <= 2);
            seen.AddRange(page.Alliances.Select(r => r.Name));
            pages++;
            if (pages == 1)
            {
                var foreign = new ListAlliancesRequest { State = Alliance.Types.State.Draft, PageSize = 2, PageToken = page.NextPageToken };
                var error = await Assert.ThrowsAsync<RpcException>(() => partner.ListAlliancesAsync(foreign, Deadline).ResponseAsync);
                Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            }
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        Assert.True(pages >= 3, $"{pages} pages");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Subset(seen.ToHashSet(), records.ToHashSet());
        foreach (var grant in grants)
        {
            await platform.RevokeAsync(Lead, grant);
        }
    }
}
