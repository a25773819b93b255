using Collaboration.Common.V1;
using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using PostState = Collaboration.Labs.V1.Post.Types.State;

namespace Collaboration.Labs.Tests;

public sealed class PostTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    public static Post NewPost() => new()
    {
        Kind = Post.Types.Kind.ChiefScientist,
        Field = "electromagnetic-steel",
        Engagement = Post.Types.Engagement.PartTime,
    };

    private Post.Types.Appointment NewAppointment() => Appointment(_as.University);

    public static Post.Types.Appointment Appointment(string homeUniversity) => new()
    {
        PersonName = "Zhao Min",
        HomeOrganization = new Organization { CreditCode = homeUniversity, Name = "Test University", Kind = OrganizationKind.University },
        StartDate = new Google.Type.Date { Year = 2024, Month = 9, Day = 1 },
        EndDate = new Google.Type.Date { Year = 2027, Month = 8, Day = 31 },
    };

    [Fact]
    public async Task Post_OpenFilledClosed()
    {
        var lab = await _as.OperatingAsync();
        var post = await _as.Host.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = NewPost() });
        Assert.Equal(PostState.Open, post.State);
        Assert.StartsWith($"{lab.Name}/posts/", post.Name);

        post = await _as.Host.FillLabPostAsync(new FillLabPostRequest { Name = post.Name, Etag = post.Etag, Appointment = NewAppointment() });
        Assert.Equal(PostState.Filled, post.State);
        Assert.Equal("Zhao Min", post.Appointment.PersonName);
        Assert.Equal(_as.University, post.Appointment.HomeOrganization.CreditCode);

        await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => _as.Host.FillLabPostAsync(new FillLabPostRequest { Name = post.Name, Appointment = NewAppointment() }).ResponseAsync);
        post = await _as.Host.CloseLabPostAsync(new CloseLabPostRequest { Name = post.Name, Etag = post.Etag });
        Assert.Equal(PostState.Closed, post.State);

        var listed = await _as.Other.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab.Name, State = PostState.Closed });
        Assert.Single(listed.Posts);
    }

    [Fact]
    public async Task FillLabPost_StaleEtag_Aborted()
    {
        var lab = await _as.CreateAsync();
        var post = await _as.Host.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = NewPost() });
        await GrpcAssert.Status(StatusCode.Aborted,
            () => _as.Host.FillLabPostAsync(new FillLabPostRequest { Name = post.Name, Etag = "999", Appointment = NewAppointment() }).ResponseAsync);
    }

    [Theory]
    [InlineData("no-person", "appointment.person_name")]
    [InlineData("bad-home-code", "appointment.home_organization.credit_code")]
    [InlineData("no-start", "appointment.start_date")]
    [InlineData("end-before-start", "appointment.end_date")]
    public async Task FillLabPost_BadAppointment_InvalidArgumentAndStillOpen(string problem, string field)
    {
        var lab = await _as.CreateAsync();
        var post = await _as.Host.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = NewPost() });
        var appointment = NewAppointment();
        switch (problem)
        {
            case "no-person": appointment.PersonName = ""; break;
            case "bad-home-code": appointment.HomeOrganization.CreditCode = "123"; break;
            case "no-start": appointment.StartDate = null; break;
            case "end-before-start": appointment.EndDate = new Google.Type.Date { Year = 2020, Month = 1, Day = 1 }; break;
        }

        await GrpcAssert.InvalidFields(() => _as.Host.FillLabPostAsync(new FillLabPostRequest { Name = post.Name, Appointment = appointment }).ResponseAsync, field);

        var listed = await _as.Host.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab.Name });
        Assert.Equal(PostState.Open, Assert.Single(listed.Posts).State);
    }

    [Theory]
    [InlineData("no-kind", "post.kind")]
    [InlineData("no-engagement", "post.engagement")]
    [InlineData("no-field", "post.field")]
    [InlineData("state-set", "post.state")]
    public async Task CreateLabPost_BadInput_InvalidArgumentAndNothingWritten(string problem, string field)
    {
        var lab = await _as.CreateAsync();
        var post = NewPost();
        switch (problem)
        {
            case "no-kind": post.Kind = Post.Types.Kind.Unspecified; break;
            case "no-engagement": post.Engagement = Post.Types.Engagement.Unspecified; break;
            case "no-field": post.Field = ""; break;
            case "state-set": post.State = PostState.Filled; break;
        }
        await GrpcAssert.InvalidFields(() => _as.Host.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = post }).ResponseAsync, field);
        Assert.Empty((await _as.Host.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab.Name })).Posts);
    }
}
