using Collaboration.Common.V1;
using Collaboration.Labs.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// Partner grants on platform applications, with real tokens and the real identity service: a host
/// organisation grants another organisation rights on one draft application. Effective while granted,
/// gone on revocation, never wider than granted (one record, content edits only, the role granted).
/// </summary>
public sealed class LabGrantTests(PlatformFixture platform)
{
    private const string Host = "lab-host";
    private const string Grantee = "stranger";
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    private async Task<LabService.LabServiceClient> ClientAsync(string key) =>
        platform.Client<LabService.LabServiceClient>(await platform.OwnerTokenAsync(key));

    private static async Task<Lab> CreateDraftAsync(LabService.LabServiceClient host) =>
        await host.CreateLabAsync(new CreateLabRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Lab = new Lab
            {
                Kind = Lab.Types.Kind.EnterpriseTechnologyCenter,
                Level = Lab.Types.Level.Municipal,
                DisplayName = $"Grant test centre {Guid.NewGuid():N}",
                HostOrganization = new Organization { Name = "E2E Steel Co.", Kind = OrganizationKind.Enterprise },
                ResearchField = "grant-tests",
                ApplicationSummary = "Thin-strip casting research.",
            },
        }, Deadline);

    private static Task<Lab> RenameAsync(LabService.LabServiceClient client, Lab lab, string name) =>
        client.UpdateLabAsync(new UpdateLabRequest
        {
            Lab = new Lab { Name = lab.Name, DisplayName = name, Etag = lab.Etag },
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        }, Deadline).ResponseAsync;

    private static Task<Lab> GetAsync(LabService.LabServiceClient client, string name) =>
        client.GetLabAsync(new GetLabRequest { Name = name }, Deadline).ResponseAsync;

    private static async Task<StatusCode> CodeOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        return error.StatusCode;
    }

    [Fact]
    public async Task EditorGrant_LetsThePartnerEditThatDraftOnly_UntilRevoked()
    {
        var host = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        var draft = await CreateDraftAsync(host);
        var other = await CreateDraftAsync(host);

        // Before: a draft is the host's alone.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, draft.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, draft, "taken over")));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() =>
            partner.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = draft.Name }, Deadline).ResponseAsync));

        var grant = await platform.GrantAsync(Host, draft.Name, Grantee, "editor");

        // While granted: the partner reads the draft and its children and edits its content; the edit is the application's.
        var seen = await GetAsync(partner, draft.Name);
        await partner.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = draft.Name }, Deadline);
        await partner.ListLabPostsAsync(new ListLabPostsRequest { Parent = draft.Name }, Deadline);
        var renamed = await RenameAsync(partner, seen, $"Renamed by the co-applicant {Guid.NewGuid():N}");
        Assert.Equal(renamed.DisplayName, (await GetAsync(host, draft.Name)).DisplayName);
        Assert.Equal(platform.Code(Host), renamed.HostOrganization.CreditCode);

        // Never wider: not the host's other draft, not the lifecycle, not the partners or posts, not the audit trail.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, other.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, other, "not granted")));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.SubmitLabAsync(new SubmitLabRequest { Name = draft.Name, Etag = renamed.Etag }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.AddLabPartnerAsync(new AddLabPartnerRequest
            {
                Parent = draft.Name,
                RequestId = Guid.NewGuid().ToString(),
                Partner = new Partner { Organization = new Organization { CreditCode = platform.Code(Grantee), Name = "Self-invited", Kind = OrganizationKind.Enterprise } },
            }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = draft.Name }, Deadline).ResponseAsync));
        var list = await partner.ListLabsAsync(new ListLabsRequest { PageSize = 200, HostCreditCode = platform.Code(Host), State = Lab.Types.State.Draft }, Deadline);
        Assert.DoesNotContain(list.Labs, l => l.Name == other.Name);
        Assert.Equal(renamed.Etag, (await GetAsync(host, draft.Name)).Etag);

        await platform.RevokeAsync(Host, grant);

        // Gone on the next call: back to NOT_FOUND, the record as the partner left it.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, draft.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, renamed, "after revocation")));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() =>
            partner.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = draft.Name }, Deadline).ResponseAsync));
        Assert.Equal(renamed.Etag, (await GetAsync(host, draft.Name)).Etag);

        // Both the grant and its revocation are in the host's identity audit.
        var audit = await platform.IdentityAuditAsync(Host);
        Assert.Contains("grant.created", audit);
        Assert.Contains("grant.revoked", audit);
        Assert.Contains(draft.Name, audit);
    }

    [Fact]
    public async Task ViewerGrant_ReadsButNeverWrites()
    {
        var host = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        var draft = await CreateDraftAsync(host);

        var grant = await platform.GrantAsync(Host, draft.Name, Grantee, "viewer");

        var seen = await GetAsync(partner, draft.Name);
        Assert.Equal(draft.DisplayName, seen.DisplayName);
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => RenameAsync(partner, seen, "viewer edit")));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.SubmitLabAsync(new SubmitLabRequest { Name = draft.Name, Etag = seen.Etag }, Deadline).ResponseAsync));
        Assert.Equal(draft.Etag, (await GetAsync(host, draft.Name)).Etag);

        await platform.RevokeAsync(Host, grant);
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, draft.Name)));
    }

    [Fact]
    public async Task GrantByAnOrganisationThatDoesNotHostTheRecord_GivesNothing()
    {
        var host = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        var draft = await CreateDraftAsync(host);

        // The alliance lead owns its own organisation, not this application: its grant names the lab but is not the host's.
        var grant = await platform.GrantAsync("alliance-lead", draft.Name, Grantee, "editor");

        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, draft.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, draft, "via a stranger's grant")));
        await platform.RevokeAsync("alliance-lead", grant);
    }

    private async Task<SharedWithMeChecks<Lab.Types.State>> SharedWithMeAsync()
    {
        var owner = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        return new(platform, Host, Grantee, "alliance-lead", async () => (await CreateDraftAsync(owner)).Name,
            async (sharedWithMe, state, pageSize, pageToken) =>
            {
                var page = await partner.ListLabsAsync(new ListLabsRequest { SharedWithMe = sharedWithMe, State = state, PageSize = pageSize, PageToken = pageToken }, Deadline);
                return ([.. page.Labs.Select(r => r.Name)], page.NextPageToken);
            },
            Lab.Types.State.Unspecified, Lab.Types.State.Draft, Lab.Types.State.Operating);
    }

    [Fact]
    public async Task SharedWithMe_ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation() =>
        await (await SharedWithMeAsync()).ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation();

    [Fact]
    public async Task SharedWithMe_PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter() =>
        await (await SharedWithMeAsync()).PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter();
}
