using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// Partner grants on industrial colleges, with real tokens and the real identity service: a host college
/// grants another organisation rights on one college in planning. Effective while granted, gone on
/// revocation, never wider than granted (one record, content edits only, the role granted).
/// </summary>
public sealed class CollegeGrantTests(PlatformFixture platform)
{
    private const string Host = "college-host";
    private const string Grantee = "stranger";
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    private async Task<IndustrialCollegeService.IndustrialCollegeServiceClient> ClientAsync(string key) =>
        platform.Client<IndustrialCollegeService.IndustrialCollegeServiceClient>(await platform.OwnerTokenAsync(key));

    private static async Task<IndustrialCollege> CreatePlanningAsync(IndustrialCollegeService.IndustrialCollegeServiceClient host) =>
        await host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            IndustrialCollege = new IndustrialCollege
            {
                DisplayName = $"Grant test college {Guid.NewGuid():N}",
                HostCollege = new Organization { Name = "E2E Vocational College" },
                IndustryChain = "culture-tourism",
                AnnualEnrolmentCapacity = 240,
                MajorCatalogueYear = 2021,
                Majors = { new Major { Code = "430102" } },
            },
        }, Deadline);

    private static Task<IndustrialCollege> RenameAsync(IndustrialCollegeService.IndustrialCollegeServiceClient client, IndustrialCollege college,
        string name) =>
        client.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, DisplayName = name, Etag = college.Etag },
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        }, Deadline).ResponseAsync;

    private static Task<IndustrialCollege> GetAsync(IndustrialCollegeService.IndustrialCollegeServiceClient client, string name) =>
        client.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = name }, Deadline).ResponseAsync;

    private static async Task<StatusCode> CodeOf(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        return error.StatusCode;
    }

    [Fact]
    public async Task EditorGrant_LetsThePartnerEditThatCollegeOnly_UntilRevoked()
    {
        var host = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        var college = await CreatePlanningAsync(host);
        var other = await CreatePlanningAsync(host);

        // Before: a college in planning is the host's alone.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, college.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, college, "taken over")));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() =>
            partner.ListCoursesAsync(new ListCoursesRequest { Parent = college.Name }, Deadline).ResponseAsync));

        var grant = await platform.GrantAsync(Host, college.Name, Grantee, "editor");

        // While granted: the partner reads the college and its children and edits its content; the edit is the college's.
        var seen = await GetAsync(partner, college.Name);
        await partner.ListCoursesAsync(new ListCoursesRequest { Parent = college.Name }, Deadline);
        await partner.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name }, Deadline);
        await partner.ListReportsAsync(new ListReportsRequest { Parent = college.Name }, Deadline);
        var renamed = await RenameAsync(partner, seen, $"Renamed by the co-founder {Guid.NewGuid():N}");
        Assert.Equal(renamed.DisplayName, (await GetAsync(host, college.Name)).DisplayName);
        Assert.Equal(platform.Code(Host), renamed.HostCollege.CreditCode);

        // Never wider: not the host's other college, not the lifecycle, not the partners, not the audit trail.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, other.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, other, "not granted")));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name, Etag = renamed.Etag }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.AddPartnerAsync(new AddPartnerRequest
            {
                Parent = college.Name,
                RequestId = Guid.NewGuid().ToString(),
                Partner = new Partner
                {
                    Organization = new Organization { CreditCode = platform.Code(Grantee), Name = "Self-invited", Kind = OrganizationKind.Enterprise },
                    Role = Partner.Types.Role.Partner,
                },
            }, Deadline).ResponseAsync));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = college.Name }, Deadline).ResponseAsync));
        var list = await partner.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest
        {
            PageSize = 200, State = IndustrialCollege.Types.State.Planning, IndustryChain = "culture-tourism",
        }, Deadline);
        Assert.DoesNotContain(list.IndustrialColleges, c => c.Name == other.Name);
        Assert.Equal(renamed.Etag, (await GetAsync(host, college.Name)).Etag);

        await platform.RevokeAsync(Host, grant);

        // Gone on the next call: back to NOT_FOUND, the record as the partner left it.
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, college.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, renamed, "after revocation")));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() =>
            partner.ListCoursesAsync(new ListCoursesRequest { Parent = college.Name }, Deadline).ResponseAsync));
        Assert.Equal(renamed.Etag, (await GetAsync(host, college.Name)).Etag);

        // Both the grant and its revocation are in the host's identity audit.
        var audit = await platform.IdentityAuditAsync(Host);
        Assert.Contains("grant.created", audit);
        Assert.Contains("grant.revoked", audit);
        Assert.Contains(college.Name, audit);
    }

    [Fact]
    public async Task ViewerGrant_ReadsButNeverWrites()
    {
        var host = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        var college = await CreatePlanningAsync(host);

        var grant = await platform.GrantAsync(Host, college.Name, Grantee, "viewer");

        var seen = await GetAsync(partner, college.Name);
        Assert.Equal(college.DisplayName, seen.DisplayName);
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => RenameAsync(partner, seen, "viewer edit")));
        Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() =>
            partner.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name, Etag = seen.Etag }, Deadline).ResponseAsync));
        Assert.Equal(college.Etag, (await GetAsync(host, college.Name)).Etag);

        await platform.RevokeAsync(Host, grant);
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, college.Name)));
    }

    [Fact]
    public async Task GrantByAnOrganisationThatDoesNotHostTheRecord_GivesNothing()
    {
        var host = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        var college = await CreatePlanningAsync(host);

        // The alliance lead owns its own organisation, not this college: its grant names the college but is not the host's.
        var grant = await platform.GrantAsync("alliance-lead", college.Name, Grantee, "editor");

        Assert.Equal(StatusCode.NotFound, await CodeOf(() => GetAsync(partner, college.Name)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => RenameAsync(partner, college, "via a stranger's grant")));
        await platform.RevokeAsync("alliance-lead", grant);
    }

    private async Task<SharedWithMeChecks<IndustrialCollege.Types.State>> SharedWithMeAsync()
    {
        var owner = await ClientAsync(Host);
        var partner = await ClientAsync(Grantee);
        return new(platform, Host, Grantee, "alliance-lead", async () => (await CreatePlanningAsync(owner)).Name,
            async (sharedWithMe, state, pageSize, pageToken) =>
            {
                var page = await partner.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { SharedWithMe = sharedWithMe, State = state, PageSize = pageSize, PageToken = pageToken }, Deadline);
                return ([.. page.IndustrialColleges.Select(r => r.Name)], page.NextPageToken);
            },
            IndustrialCollege.Types.State.Unspecified, IndustrialCollege.Types.State.Planning, IndustrialCollege.Types.State.Operating);
    }

    [Fact]
    public async Task SharedWithMe_ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation() =>
        await (await SharedWithMeAsync()).ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation();

    [Fact]
    public async Task SharedWithMe_PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter() =>
        await (await SharedWithMeAsync()).PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter();
}
