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

    private static async Task<List<string>> SharedNamesAsync(LabService.LabServiceClient client, Lab.Types.State state = Lab.Types.State.Unspecified)
    {
        var page = await client.ListLabsAsync(new ListLabsRequest { SharedWithMe = true, State = state, PageSize = 200 }, Deadline);
        return [.. page.Labs.Select(r => r.Name)];
    }

    [Fact]
    public async Task SharedWithMe_ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation()
    {
        var owner = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        var granted = await CreateDraftAsync(owner);
        var notGranted = await CreateDraftAsync(owner);

        Assert.DoesNotContain(granted.Name, await SharedNamesAsync(partner));
        var grant = await platform.GrantAsync(Host, granted.Name, Grantee, "viewer");
        // A grant by an organisation that does not own the record shares nothing, as on Get.
        var strayGrant = await platform.GrantAsync("alliance-lead", notGranted.Name, Grantee, "editor");

        var shared = await SharedNamesAsync(partner);
        Assert.Contains(granted.Name, shared);
        Assert.DoesNotContain(notGranted.Name, shared);
        Assert.Contains(granted.Name, await SharedNamesAsync(partner, Lab.Types.State.Draft));
        Assert.DoesNotContain(granted.Name, await SharedNamesAsync(partner, Lab.Types.State.Operating));
        // Without the filter the plain visibility rule applies: a draft is its owner's alone.
        var plain = await partner.ListLabsAsync(new ListLabsRequest { State = Lab.Types.State.Draft, PageSize = 200 }, Deadline);
        Assert.DoesNotContain(plain.Labs, r => r.Name == granted.Name);

        await platform.RevokeAsync(Host, grant);
        Assert.DoesNotContain(granted.Name, await SharedNamesAsync(partner));
        await platform.RevokeAsync("alliance-lead", strayGrant);
    }

    [Fact]
    public async Task SharedWithMe_PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter()
    {
        var owner = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        var records = new List<string>();
        var grants = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var record = await CreateDraftAsync(owner);
            records.Add(record.Name);
            grants.Add(await platform.GrantAsync(Host, record.Name, Grantee, "viewer"));
        }

        var seen = new List<string>();
        var pages = 0;
        var request = new ListLabsRequest { SharedWithMe = true, State = Lab.Types.State.Draft, PageSize = 2 };
        do
        {
            var page = await partner.ListLabsAsync(request, Deadline);
            Assert.True(page.Labs.Count <= 2);
            seen.AddRange(page.Labs.Select(r => r.Name));
            pages++;
            if (pages == 1)
            {
                var foreign = new ListLabsRequest { State = Lab.Types.State.Draft, PageSize = 2, PageToken = page.NextPageToken };
                var error = await Assert.ThrowsAsync<RpcException>(() => partner.ListLabsAsync(foreign, Deadline).ResponseAsync);
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
            await platform.RevokeAsync(Host, grant);
        }
    }
}
