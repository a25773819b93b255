using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

/// <summary>What may not be seen is NOT_FOUND, what may be seen but not done PERMISSION_DENIED.</summary>
public sealed class AuthorizationTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    [Fact]
    public async Task Draft_OtherOrganisation_CannotSeeItAnywhere()
    {
        var field = $"field-{Guid.NewGuid():N}"[..20];
        var lab = await _as.CreateAsync(field: field);

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetLabAsync(new GetLabRequest { Name = lab.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.SubmitLabAsync(new SubmitLabRequest { Name = lab.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.UpdateLabAsync(new UpdateLabRequest
        {
            Lab = new Lab { Name = lab.Name, DisplayName = "X" },
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        }).ResponseAsync);
        Assert.Empty((await _as.Other.ListLabsAsync(new ListLabsRequest { ResearchField = field })).Labs);
        Assert.Single((await _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = field })).Labs);
        Assert.Single((await _as.Admin.ListLabsAsync(new ListLabsRequest { ResearchField = field })).Labs);
    }

    [Fact]
    public async Task Partner_SeesTheDraftItJoined_AndTheSubmission_ButCannotChangeIt()
    {
        var lab = await _as.CreateAsync();
        await _as.AddUniversityAsync(lab);
        Assert.Equal(State.Draft, (await _as.UniversityClient.GetLabAsync(new GetLabRequest { Name = lab.Name })).State);

        await _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = lab.Name });

        Assert.Equal(State.Submitted, (await _as.UniversityClient.GetLabAsync(new GetLabRequest { Name = lab.Name })).State);
        var listed = await _as.UniversityClient.ListLabsAsync(new ListLabsRequest { PartnerCreditCode = _as.University });
        Assert.Contains(listed.Labs, l => l.Name == lab.Name);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.UniversityClient.CreateLabPostAsync(new CreateLabPostRequest
        {
            Parent = lab.Name, Post = PostTests.NewPost(),
        }).ResponseAsync);
        // Still hidden from outsiders.
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetLabAsync(new GetLabRequest { Name = lab.Name }).ResponseAsync);
    }

    [Fact]
    public async Task Operating_EverySignedInUserReads_ButOnlyAdminsAndHostAct()
    {
        var lab = await _as.OperatingAsync();

        Assert.Equal(State.Operating, (await _as.Other.GetLabAsync(new GetLabRequest { Name = lab.Name })).State);
        await GrpcAssert.Status(StatusCode.PermissionDenied,
            () => _as.Other.RevokeLabAsync(new RevokeLabRequest { Name = lab.Name, Reason = "x" }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied,
            () => _as.Host.RevokeLabAsync(new RevokeLabRequest { Name = lab.Name, Reason = "x" }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied,
            () => _as.Other.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = PostTests.NewPost() }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied,
            () => _as.Other.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = lab.Name }).ResponseAsync);
        Assert.Equal(State.Operating, (await _as.GetAsync(lab)).State);
    }

    [Fact]
    public async Task ReviewSteps_Host_PermissionDenied_Admin_CannotSubmit()
    {
        var lab = await _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = (await _as.CreateAsync()).Name });
        await GrpcAssert.Status(StatusCode.PermissionDenied,
            () => _as.Host.StartLabPreliminaryReviewAsync(new StartLabPreliminaryReviewRequest { Name = lab.Name }).ResponseAsync);
        var draft = await _as.CreateAsync();
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.SubmitLabAsync(new SubmitLabRequest { Name = draft.Name }).ResponseAsync);
    }

    [Fact]
    public async Task Accredit_Host_PermissionDenied()
    {
        var lab = await _as.InPublicNoticeAsync(await _as.CreateAsync());
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Host.AccreditLabAsync(new AccreditLabRequest { Name = lab.Name }).ResponseAsync);
        Assert.Equal(State.PublicNotice, (await _as.GetAsync(lab)).State);
    }

    [Fact]
    public async Task CreateLab_ViewerOrAdmin_PermissionDenied_ForAnotherOrganisation_PermissionDenied()
    {
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.HostViewer.CreateLabAsync(new CreateLabRequest { Lab = Actors.NewLab() }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.CreateLabAsync(new CreateLabRequest { Lab = Actors.NewLab() }).ResponseAsync);
        var lab = Actors.NewLab();
        lab.HostOrganization.CreditCode = _as.OtherEnterprise;
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Host.CreateLabAsync(new CreateLabRequest { Lab = lab }).ResponseAsync);
    }

    [Fact]
    public async Task NoToken_Unauthenticated()
    {
        var anonymous = fixture.Service.Client<LabService.LabServiceClient>(null);
        await GrpcAssert.Status(StatusCode.Unauthenticated, () => anonymous.ProjectGradeAsync(new ProjectGradeRequest { Score = 80 }).ResponseAsync);
    }
}
