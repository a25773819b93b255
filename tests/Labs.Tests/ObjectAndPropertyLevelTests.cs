using Collaboration.Common.V1;
using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Kind = Collaboration.Labs.V1.Lab.Types.Kind;
using Level = Collaboration.Labs.V1.Lab.Types.Level;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

/// <summary>
/// Object level: another organisation never reads or changes a host's platform while it is not public,
/// by any method, list filter, replayed page token or child collection; the answer is NOT_FOUND, as for
/// a platform that does not exist.
/// </summary>
public sealed class ObjectLevelTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private static string Field() => $"field-{Guid.NewGuid():N}"[..20];

    /// <summary>A platform with a partner and an open post, taken to <paramref name="state"/> (none of them public).</summary>
    private async Task<(Lab Lab, Partner Partner, Post Post)> NonPublicAsync(string state, string field)
    {
        var lab = await _as.CreateAsync(field: field);
        var partner = await _as.AddUniversityAsync(lab);
        var post = await _as.Host.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = PostTests.NewPost() });
        switch (state)
        {
            case "submitted":
                lab = await _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = lab.Name });
                break;
            case "construction":
                lab = await _as.InPublicNoticeAsync(lab);
                lab = await _as.Admin.AccreditLabAsync(new AccreditLabRequest { Name = lab.Name });
                lab = await _as.Host.StartLabConstructionAsync(new StartLabConstructionRequest { Name = lab.Name });
                break;
        }
        return (lab, partner, post);
    }

    [Theory]
    [InlineData("draft")]
    [InlineData("submitted")]
    [InlineData("construction")]
    public async Task NonPublic_OtherOrganisation_NotFoundOnEveryMethod_AndNothingChanges(string state)
    {
        var (lab, partner, post) = await NonPublicAsync(state, Field());
        var other = _as.Other;
        var before = await _as.GetAsync(lab);
        var calls = new (string Method, Func<Task> Call)[]
        {
            ("GetLab", () => other.GetLabAsync(new GetLabRequest { Name = lab.Name }).ResponseAsync),
            ("ListLabPartners", () => other.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name, ShowLeft = true }).ResponseAsync),
            ("ListLabPosts", () => other.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab.Name }).ResponseAsync),
            ("ListLabEvaluations", () => other.ListLabEvaluationsAsync(new ListLabEvaluationsRequest { Parent = lab.Name }).ResponseAsync),
            ("ListLabAuditEntries", () => other.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = lab.Name }).ResponseAsync),
            ("UpdateLab", () => other.UpdateLabAsync(new UpdateLabRequest
            {
                Lab = new Lab { Name = lab.Name, DisplayName = "Taken over" },
                UpdateMask = new FieldMask { Paths = { "display_name" } },
            }).ResponseAsync),
            ("SubmitLab", () => other.SubmitLabAsync(new SubmitLabRequest { Name = lab.Name }).ResponseAsync),
            ("RequestLabAcceptance", () => other.RequestLabAcceptanceAsync(new RequestLabAcceptanceRequest { Name = lab.Name }).ResponseAsync),
            ("RequestLabUpgrade", () => other.RequestLabUpgradeAsync(new RequestLabUpgradeRequest { Name = lab.Name }).ResponseAsync),
            ("AddLabPartner", () => other.AddLabPartnerAsync(new AddLabPartnerRequest
            {
                Parent = lab.Name,
                Partner = new Partner { Organization = new Organization { CreditCode = _as.OtherEnterprise, Name = "Self-invited", Kind = OrganizationKind.Enterprise } },
            }).ResponseAsync),
            ("RemoveLabPartner", () => other.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = partner.Name }).ResponseAsync),
            ("CreateLabPost", () => other.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = PostTests.NewPost() }).ResponseAsync),
            ("FillLabPost", () => other.FillLabPostAsync(new FillLabPostRequest
            {
                Name = post.Name,
                Appointment = new Post.Types.Appointment
                {
                    PersonName = "Intruder",
                    HomeOrganization = new Organization { CreditCode = _as.OtherEnterprise, Name = "Other Co.", Kind = OrganizationKind.Enterprise },
                    StartDate = new Google.Type.Date { Year = 2024, Month = 9, Day = 1 },
                },
            }).ResponseAsync),
            ("CloseLabPost", () => other.CloseLabPostAsync(new CloseLabPostRequest { Name = post.Name }).ResponseAsync),
        };

        foreach (var (method, call) in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.StatusCode == StatusCode.NotFound, $"{method} on a {state} platform: {error.StatusCode} {error.Status.Detail}");
            Assert.DoesNotContain(_as.Enterprise, error.Status.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain(lab.DisplayName, error.Status.Detail, StringComparison.Ordinal);
        }

        var after = await _as.GetAsync(lab);
        Assert.Equal(before.Etag, after.Etag);
        Assert.Equal(1, after.PartnerCount);
        var posts = await _as.Host.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab.Name });
        Assert.Equal(post.Etag, Assert.Single(posts.Posts).Etag);
    }

    [Fact]
    public async Task NotFound_ForAnotherOrganisationsDraft_ReadsExactlyLikeAMissingPlatform()
    {
        var lab = await _as.CreateAsync();
        var missing = $"labs/{Guid.NewGuid()}";

        var hidden = await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetLabAsync(new GetLabRequest { Name = lab.Name }).ResponseAsync);
        var absent = await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetLabAsync(new GetLabRequest { Name = missing }).ResponseAsync);

        Assert.Equal(absent.Status.Detail.Replace(missing, "X", StringComparison.Ordinal), hidden.Status.Detail.Replace(lab.Name, "X", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListLabs_EveryFilter_NeverShowsAnotherOrganisationsNonPublicPlatforms()
    {
        var field = Field();
        var draft = await _as.CreateAsync(Kind.KeyLaboratory, Level.Provincial, field);
        var (submitted, _, _) = await NonPublicAsync("submitted", field);
        var (building, _, _) = await NonPublicAsync("construction", field);
        await fixture.ScalarAsync("UPDATE labs SET construction_deadline = current_date - 1 WHERE id = @id",
            new { id = Guid.Parse(building.Name["labs/".Length..]) });
        string[] hosts = [draft.Name, submitted.Name, building.Name];

        var filters = new (string Filter, ListLabsRequest Request, string Expected)[]
        {
            ("none", new ListLabsRequest(), draft.Name),
            ("kind", new ListLabsRequest { Kind = Kind.KeyLaboratory }, draft.Name),
            ("level", new ListLabsRequest { Level = Level.Provincial }, draft.Name),
            ("state draft", new ListLabsRequest { State = State.Draft }, draft.Name),
            ("state submitted", new ListLabsRequest { State = State.Submitted }, submitted.Name),
            ("state construction", new ListLabsRequest { State = State.Construction }, building.Name),
            ("host", new ListLabsRequest { HostCreditCode = _as.Enterprise }, draft.Name),
            ("partner", new ListLabsRequest { PartnerCreditCode = _as.University }, submitted.Name),
            ("research field", new ListLabsRequest { ResearchField = field }, draft.Name),
            ("construction overdue", new ListLabsRequest { ConstructionOverdue = true }, building.Name),
            ("host and state", new ListLabsRequest { HostCreditCode = _as.Enterprise, State = State.Submitted, Kind = Kind.EnterpriseTechnologyCenter }, submitted.Name),
        };

        foreach (var (filter, request, expected) in filters)
        {
            // The filter does match the host's platform (so an empty answer is the visibility rule's doing)...
            Assert.True((await AllNamesAsync(_as.Host, request.Clone())).Contains(expected), $"the host's list by {filter} misses {expected}");
            // ...and the other organisation sees none of them.
            var seen = await AllNamesAsync(_as.Other, request.Clone());
            Assert.False(seen.Overlaps(hosts), $"the other organisation's list by {filter} shows the host's platforms");
        }
    }

    [Fact]
    public async Task PageToken_TakenByTheHost_ReplayedByAnotherOrganisation_RevealsNothing()
    {
        var field = Field();
        for (var i = 0; i < 3; i++)
        {
            await _as.CreateAsync(field: field);
        }
        var first = await _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = field, PageSize = 1 });
        Assert.Single(first.Labs);
        Assert.NotEmpty(first.NextPageToken);

        var replayed = await _as.Other.ListLabsAsync(new ListLabsRequest { ResearchField = field, PageSize = 1, PageToken = first.NextPageToken });
        Assert.Empty(replayed.Labs);
        Assert.Empty(replayed.NextPageToken);
        // The token is bound to its query: another filter with it is refused rather than answered.
        await GrpcAssert.InvalidFields(() => _as.Other.ListLabsAsync(
            new ListLabsRequest { HostCreditCode = _as.Enterprise, PageToken = first.NextPageToken }).ResponseAsync, "page_token");
        // Still there for the host.
        Assert.Single((await _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = field, PageSize = 1, PageToken = first.NextPageToken })).Labs);
    }

    [Fact]
    public async Task ChildPageToken_TakenByTheHost_ReplayedByAnotherOrganisation_NotFound()
    {
        var lab = await _as.CreateAsync();
        await _as.AddUniversityAsync(lab);
        await _as.Host.AddLabPartnerAsync(new AddLabPartnerRequest
        {
            Parent = lab.Name,
            Partner = new Partner { Organization = new Organization { CreditCode = await _as.Directory.NewAsync("enterprise") } },
        });
        await _as.Host.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = PostTests.NewPost() });
        await _as.Host.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = PostTests.NewPost() });

        var partners = await _as.Host.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name, PageSize = 1 });
        var posts = await _as.Host.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab.Name, PageSize = 1 });
        Assert.NotEmpty(partners.NextPageToken);
        Assert.NotEmpty(posts.NextPageToken);

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.ListLabPartnersAsync(
            new ListLabPartnersRequest { Parent = lab.Name, PageSize = 1, PageToken = partners.NextPageToken }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.ListLabPostsAsync(
            new ListLabPostsRequest { Parent = lab.Name, PageSize = 1, PageToken = posts.NextPageToken }).ResponseAsync);
    }

    [Fact]
    public async Task FormerPartner_LosesSightOfASubmittedApplication()
    {
        var field = Field();
        var lab = await _as.CreateAsync(field: field);
        var partner = await _as.AddUniversityAsync(lab);
        await _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = lab.Name });
        Assert.Equal(lab.Name, (await _as.UniversityClient.GetLabAsync(new GetLabRequest { Name = lab.Name })).Name);

        await _as.Host.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = partner.Name });

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.UniversityClient.GetLabAsync(new GetLabRequest { Name = lab.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.UniversityClient.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab.Name }).ResponseAsync);
        Assert.Empty((await _as.UniversityClient.ListLabsAsync(new ListLabsRequest { ResearchField = field })).Labs);
    }

    [Fact]
    public async Task HostViewer_SeesButCannotUpdate()
    {
        var lab = await _as.CreateAsync();
        Assert.Equal(lab.Etag, (await _as.HostViewer.GetLabAsync(new GetLabRequest { Name = lab.Name })).Etag);

        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.HostViewer.UpdateLabAsync(new UpdateLabRequest
        {
            Lab = new Lab { Name = lab.Name, DisplayName = "Viewer's rename" },
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        }).ResponseAsync);
        Assert.Equal(lab.Etag, (await _as.GetAsync(lab)).Etag);
    }

    /// <summary>Every name the caller gets for the query, following page tokens to the end.</summary>
    private static async Task<HashSet<string>> AllNamesAsync(LabService.LabServiceClient client, ListLabsRequest request)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        request.PageSize = 200;
        do
        {
            var page = await client.ListLabsAsync(request);
            names.UnionWith(page.Labs.Select(l => l.Name));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return names;
    }
}

/// <summary>
/// Property level: an update mask naming an output-only or ownership field is INVALID_ARGUMENT on
/// update_mask and changes nothing; an empty mask infers only updatable fields.
/// </summary>
public sealed class PropertyLevelTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    /// <summary>A patch that sets every output-only and ownership field to something else.</summary>
    private Lab Hostile(Lab lab) => new()
    {
        Name = lab.Name,
        Kind = Kind.KeyLaboratory,
        Level = Level.National,
        HostOrganization = new Organization { CreditCode = _as.OtherEnterprise, Name = "Usurper Co.", Kind = OrganizationKind.Enterprise },
        State = State.Operating,
        StateReason = "forged",
        AccreditationDate = new Google.Type.Date { Year = 2020, Month = 1, Day = 1 },
        ConstructionDeadline = new Google.Type.Date { Year = 2030, Month = 1, Day = 1 },
        UpgradeOf = $"labs/{Guid.NewGuid()}",
        SupersededBy = $"labs/{Guid.NewGuid()}",
        PartnerCount = 99,
        CreateTime = Timestamp.FromDateTime(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
        UpdateTime = Timestamp.FromDateTime(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
        Etag = "forged",
    };

    [Theory]
    [InlineData("name")]
    [InlineData("kind")]
    [InlineData("level")]
    [InlineData("host_organization")]
    [InlineData("host_organization.credit_code")]
    [InlineData("host_organization.name")]
    [InlineData("host_organization.kind")]
    [InlineData("state")]
    [InlineData("state_reason")]
    [InlineData("accreditation_date")]
    [InlineData("construction_deadline")]
    [InlineData("upgrade_of")]
    [InlineData("superseded_by")]
    [InlineData("partner_count")]
    [InlineData("create_time")]
    [InlineData("update_time")]
    [InlineData("etag")]
    public async Task UpdateLab_OutputOnlyOrOwnershipInMask_InvalidArgumentAndUnchanged(string path)
    {
        var lab = await _as.CreateAsync();
        var patch = Hostile(lab);
        patch.Etag = "";

        var error = await GrpcAssert.InvalidFields(() => _as.Host.UpdateLabAsync(new UpdateLabRequest
        {
            Lab = patch,
            UpdateMask = new FieldMask { Paths = { path } },
        }).ResponseAsync, "update_mask");

        Assert.Contains(error.FieldViolations, v => v.Description.Contains(path, StringComparison.Ordinal));
        var after = await _as.GetAsync(lab);
        Assert.Equal(lab.Etag, after.Etag);
        Assert.Equal(State.Draft, after.State);
        Assert.Equal(_as.Enterprise, after.HostOrganization.CreditCode);
    }

    [Fact]
    public async Task UpdateLab_UpdatableAndOwnershipPathTogether_NothingApplied()
    {
        var lab = await _as.CreateAsync();
        var patch = Hostile(lab);
        patch.Etag = "";
        patch.DisplayName = "Renamed with a takeover";

        await GrpcAssert.InvalidFields(() => _as.Host.UpdateLabAsync(new UpdateLabRequest
        {
            Lab = patch,
            UpdateMask = new FieldMask { Paths = { "display_name", "host_organization" } },
        }).ResponseAsync, "update_mask");

        var after = await _as.GetAsync(lab);
        Assert.Equal(lab.Etag, after.Etag);
        Assert.Equal(lab.DisplayName, after.DisplayName);
    }

    [Fact]
    public async Task UpdateLab_EmptyMask_InfersOnlyUpdatableFields_OwnershipAndOutputOnlyIgnored()
    {
        var lab = await _as.CreateAsync();
        var patch = Hostile(lab);
        patch.Etag = lab.Etag;
        patch.DisplayName = $"Renamed {Guid.NewGuid():N}";

        var updated = await _as.Host.UpdateLabAsync(new UpdateLabRequest { Lab = patch });

        Assert.Equal(patch.DisplayName, updated.DisplayName);
        Assert.Equal(_as.Enterprise, updated.HostOrganization.CreditCode);
        Assert.Equal(lab.HostOrganization.Name, updated.HostOrganization.Name);
        Assert.Equal(State.Draft, updated.State);
        Assert.Equal(lab.Kind, updated.Kind);
        Assert.Equal(lab.Level, updated.Level);
        Assert.Equal(0, updated.PartnerCount);
        Assert.Empty(updated.UpgradeOf);
        Assert.Equal(lab.CreateTime, updated.CreateTime);
    }

    [Fact]
    public async Task UpdateLab_EmptyMaskWithOnlyOutputOnlyFields_InvalidArgumentAndUnchanged()
    {
        var lab = await _as.CreateAsync();
        var patch = Hostile(lab);
        patch.Etag = "";

        await GrpcAssert.InvalidFields(() => _as.Host.UpdateLabAsync(new UpdateLabRequest { Lab = patch }).ResponseAsync, "update_mask");
        Assert.Equal(lab.Etag, (await _as.GetAsync(lab)).Etag);
    }
}
