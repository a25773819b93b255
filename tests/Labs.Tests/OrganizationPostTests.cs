using Collaboration.Common.V1;
using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using PostState = Collaboration.Labs.V1.Post.Types.State;

namespace Collaboration.Labs.Tests;

/// <summary>Chief posts an organisation sets up without a platform: organizations/{credit_code}/posts.</summary>
public sealed class OrganizationPostTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private string Parent => $"organizations/{_as.Enterprise}";

    private LabService.LabServiceClient HostEditor => fixture.Service.Client<LabService.LabServiceClient>(Tokens.For(_as.Enterprise, "enterprise", "editor"));

    private Task<Post> CreateAsync(string? requestId = null) =>
        _as.Host.CreateOrganizationPostAsync(new CreateOrganizationPostRequest { Parent = Parent, Post = PostTests.NewPost(), RequestId = requestId ?? "" }).ResponseAsync;

    private Task<Post> FillAsync(Post post) =>
        _as.Host.FillOrganizationPostAsync(new FillOrganizationPostRequest { Name = post.Name, Etag = post.Etag, Appointment = PostTests.Appointment(_as.University) }).ResponseAsync;

    private async Task<IReadOnlyList<string>> ListedAsync(LabService.LabServiceClient client, string? parent = null, PostState state = PostState.Unspecified)
    {
        var names = new List<string>();
        var request = new ListOrganizationPostsRequest { Parent = parent ?? Parent, State = state, PageSize = 1 };
        do
        {
            var page = await client.ListOrganizationPostsAsync(request);
            names.AddRange(page.Posts.Select(p => p.Name));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return names;
    }

    [Fact]
    public async Task OrganizationPost_OpenFilledClosed_WithAuditTrail()
    {
        var post = await CreateAsync();
        Assert.StartsWith($"{Parent}/posts/", post.Name);
        Assert.Equal(PostState.Open, post.State);
        Assert.Equal(post, await _as.HostViewer.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = post.Name }));

        post = await FillAsync(post);
        Assert.Equal(PostState.Filled, post.State);
        Assert.Equal("Zhao Min", post.Appointment.PersonName);
        Assert.Equal(_as.University, post.Appointment.HomeOrganization.CreditCode);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => FillAsync(post));

        post = await HostEditor.CloseOrganizationPostAsync(new CloseOrganizationPostRequest { Name = post.Name, Etag = post.Etag });
        Assert.Equal(PostState.Closed, post.State);
        await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => _as.Host.CloseOrganizationPostAsync(new CloseOrganizationPostRequest { Name = post.Name }).ResponseAsync);

        Assert.Equal([post.Name], await ListedAsync(_as.HostViewer, state: PostState.Closed));
        var audit = await _as.HostViewer.ListOrganizationPostAuditEntriesAsync(new ListOrganizationPostAuditEntriesRequest { Parent = post.Name });
        Assert.Equal(["CreateOrganizationPost", "FillOrganizationPost", "CloseOrganizationPost"], audit.AuditEntries.Select(e => e.Action));
        Assert.Equal(["", "Open", "Filled"], audit.AuditEntries.Select(e => e.FromState));
        Assert.All(audit.AuditEntries, e => Assert.Equal(_as.Enterprise, e.ActorOrganization));
    }

    [Fact]
    public async Task OrganizationPost_OpenIsPublic_FilledAndClosedStayWithTheOrganisationAndAdmins()
    {
        var open = await CreateAsync();
        var filled = await FillAsync(await CreateAsync());
        var closed = await _as.Host.CloseOrganizationPostAsync(new CloseOrganizationPostRequest { Name = (await CreateAsync()).Name });

        foreach (var outsider in new[] { _as.Other, _as.UniversityClient })
        {
            Assert.Equal(open, await outsider.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = open.Name }));
            await GrpcAssert.Status(StatusCode.NotFound, () => outsider.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = filled.Name }).ResponseAsync);
            await GrpcAssert.Status(StatusCode.NotFound, () => outsider.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = closed.Name }).ResponseAsync);
            Assert.Equal([open.Name], await ListedAsync(outsider));
            Assert.Empty(await ListedAsync(outsider, state: PostState.Filled));
            await GrpcAssert.Status(StatusCode.NotFound, () => outsider.ListOrganizationPostAuditEntriesAsync(
                new ListOrganizationPostAuditEntriesRequest { Parent = filled.Name }).ResponseAsync);
            await GrpcAssert.Status(StatusCode.PermissionDenied, () => outsider.ListOrganizationPostAuditEntriesAsync(
                new ListOrganizationPostAuditEntriesRequest { Parent = open.Name }).ResponseAsync);
        }

        string[] all = [open.Name, filled.Name, closed.Name];
        Assert.Equal(all, await ListedAsync(_as.HostViewer));
        Assert.Equal(all, await ListedAsync(_as.Admin));
        Assert.Equal(filled, await _as.Admin.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = filled.Name }));
    }

    [Fact]
    public async Task ListOrganizationPosts_AcrossOrganisations_OpenPostsOfOthersAndAllOfOneself()
    {
        var other = new Actors(fixture);
        var mineFilled = await FillAsync(await CreateAsync());
        var theirsOpen = await other.Host.CreateOrganizationPostAsync(new CreateOrganizationPostRequest
        {
            Parent = $"organizations/{other.Enterprise}", Post = PostTests.NewPost(),
        });
        var theirsFilled = await other.Host.FillOrganizationPostAsync(new FillOrganizationPostRequest
        {
            Name = (await other.Host.CreateOrganizationPostAsync(new CreateOrganizationPostRequest { Parent = $"organizations/{other.Enterprise}", Post = PostTests.NewPost() })).Name,
            Appointment = PostTests.Appointment(_as.University),
        });

        var listed = await ListedAsync(_as.Host, "organizations/-");
        Assert.Contains(mineFilled.Name, listed);
        Assert.Contains(theirsOpen.Name, listed);
        Assert.DoesNotContain(theirsFilled.Name, listed);
        var lab = await _as.OperatingAsync();
        var labPost = await _as.Host.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = PostTests.NewPost() });
        Assert.DoesNotContain(labPost.Name, await ListedAsync(_as.Admin, "organizations/-"));
    }

    [Fact]
    public async Task OrganizationPost_OnlyOwnersAndEditorsOfTheOrganisationWrite()
    {
        var request = new CreateOrganizationPostRequest { Parent = Parent, Post = PostTests.NewPost() };
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.HostViewer.CreateOrganizationPostAsync(request).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Other.CreateOrganizationPostAsync(request).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.CreateOrganizationPostAsync(request).ResponseAsync);
        Assert.Empty(await ListedAsync(_as.Admin));

        var post = await HostEditor.CreateOrganizationPostAsync(request);
        foreach (var stranger in new[] { _as.HostViewer, _as.Other, _as.Admin })
        {
            await GrpcAssert.Status(StatusCode.PermissionDenied, () => stranger.FillOrganizationPostAsync(new FillOrganizationPostRequest
            {
                Name = post.Name, Appointment = PostTests.Appointment(_as.University),
            }).ResponseAsync);
            await GrpcAssert.Status(StatusCode.PermissionDenied,
                () => stranger.CloseOrganizationPostAsync(new CloseOrganizationPostRequest { Name = post.Name }).ResponseAsync);
        }
        Assert.Equal(post, await _as.Admin.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = post.Name }));
    }

    [Fact]
    public async Task CreateOrganizationPost_SameRequestId_SamePostOnce()
    {
        var requestId = Guid.NewGuid().ToString();
        var first = await CreateAsync(requestId);
        Assert.Equal(first, await CreateAsync(requestId));
        Assert.Equal([first.Name], await ListedAsync(_as.Host));
        await GrpcAssert.InvalidFields(() => _as.Host.CreateOrganizationPostAsync(new CreateOrganizationPostRequest
        {
            Parent = Parent, Post = new Post(PostTests.NewPost()) { Field = "another-field" }, RequestId = requestId,
        }).ResponseAsync, "request_id");
    }

    [Fact]
    public async Task FillOrganizationPost_StaleEtag_AbortedAndStillOpen()
    {
        var post = await CreateAsync();
        await GrpcAssert.Status(StatusCode.Aborted, () => _as.Host.FillOrganizationPostAsync(new FillOrganizationPostRequest
        {
            Name = post.Name, Etag = post.Etag + "0", Appointment = PostTests.Appointment(_as.University),
        }).ResponseAsync);
        Assert.Equal(post, await _as.Host.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = post.Name }));
    }

    [Theory]
    [InlineData("no-kind", "post.kind")]
    [InlineData("no-field", "post.field")]
    [InlineData("appointment-set", "post.appointment")]
    [InlineData("bad-parent", "parent")]
    public async Task CreateOrganizationPost_BadInput_InvalidArgumentAndNothingWritten(string problem, string field)
    {
        var request = new CreateOrganizationPostRequest { Parent = Parent, Post = PostTests.NewPost() };
        switch (problem)
        {
            case "no-kind": request.Post.Kind = Post.Types.Kind.Unspecified; break;
            case "no-field": request.Post.Field = ""; break;
            case "appointment-set": request.Post.Appointment = PostTests.Appointment(_as.University); break;
            case "bad-parent": request.Parent = $"organizations/{_as.Enterprise[..17]}0"; break;
        }
        await GrpcAssert.InvalidFields(() => _as.Host.CreateOrganizationPostAsync(request).ResponseAsync, field);
        Assert.Empty(await ListedAsync(_as.Host));
    }

    [Theory]
    [InlineData("no-person", "appointment.person_name")]
    [InlineData("end-before-start", "appointment.end_date")]
    [InlineData("lab-post-name", "name")]
    public async Task FillOrganizationPost_BadInput_InvalidArgumentAndStillOpen(string problem, string field)
    {
        var post = await CreateAsync();
        var request = new FillOrganizationPostRequest { Name = post.Name, Appointment = PostTests.Appointment(_as.University) };
        switch (problem)
        {
            case "no-person": request.Appointment.PersonName = ""; break;
            case "end-before-start": request.Appointment.EndDate = new Google.Type.Date { Year = 2020, Month = 1, Day = 1 }; break;
            case "lab-post-name": request.Name = $"labs/{Guid.NewGuid()}/posts/{Guid.NewGuid()}"; break;
        }
        await GrpcAssert.InvalidFields(() => _as.Host.FillOrganizationPostAsync(request).ResponseAsync, field);
        Assert.Equal(PostState.Open, (await _as.Host.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = post.Name })).State);
    }

    [Fact]
    public async Task OrganizationPost_UnderAnotherOrganisationsName_NotFound()
    {
        var post = await CreateAsync();
        var elsewhere = post.Name.Replace(_as.Enterprise, _as.OtherEnterprise, StringComparison.Ordinal);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Admin.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = elsewhere }).ResponseAsync);
        var other = fixture.Service.Client<LabService.LabServiceClient>(Tokens.For(_as.OtherEnterprise, "enterprise"));
        await GrpcAssert.Status(StatusCode.NotFound, () => other.CloseOrganizationPostAsync(new CloseOrganizationPostRequest { Name = elsewhere }).ResponseAsync);
        Assert.Equal(PostState.Open, (await _as.Host.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = post.Name })).State);
    }
}
