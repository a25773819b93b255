using Collaboration.Talent.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using State = Collaboration.Talent.V1.Declaration.Types.State;

namespace Collaboration.Talent.Tests;

/// <summary>Object-level authorization: an enterprise sees and touches only its own declarations; the city sees all.</summary>
public sealed class AuthorizationTests(TalentFixture fixture)
{
    [Fact]
    public async Task Competitor_GetUpdateActAudit_NotFound_NothingChanged()
    {
        var actors = new Actors(fixture);
        var draft = await actors.DraftAsync();
        var submitted = await actors.SubmittedAsync();
        var rival = actors.Rival;

        await GrpcAssert.Status(StatusCode.NotFound, () => rival.GetDeclarationAsync(new GetDeclarationRequest { Name = submitted.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => rival.ListDeclarationAuditEntriesAsync(new ListDeclarationAuditEntriesRequest { Parent = submitted.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => rival.UpdateDeclarationAsync(new UpdateDeclarationRequest
        {
            Declaration = new Declaration { Name = draft.Name, Headcount = 1 },
            UpdateMask = new FieldMask { Paths = { "headcount" } },
        }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => rival.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = draft.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => rival.ReviseDeclarationAsync(new ReviseDeclarationRequest { Name = submitted.Name }).ResponseAsync);

        Assert.Equal(draft, await actors.Owner.GetDeclarationAsync(new GetDeclarationRequest { Name = draft.Name }));
        Assert.Equal(submitted, await actors.Owner.GetDeclarationAsync(new GetDeclarationRequest { Name = submitted.Name }));
    }

    [Fact]
    public async Task Competitor_EveryListFilter_ShowsNoneOfTheOthers()
    {
        var actors = new Actors(fixture);
        var chain = TestChains.New();
        var accepted = await actors.AcceptedAsync(year: 2031, chain: chain, occupation: "6-25-02-01");
        var own = await actors.Rival.CreateDeclarationAsync(new CreateDeclarationRequest { Declaration = Actors.NewDeclaration(2031, chain, "6-25-02-01") });

        var requests = new[]
        {
            new ListDeclarationsRequest(),
            new ListDeclarationsRequest { Year = 2031 },
            new ListDeclarationsRequest { IndustryChain = chain },
            new ListDeclarationsRequest { OccupationCode = "6-25-02-01" },
            new ListDeclarationsRequest { State = State.Accepted },
            new ListDeclarationsRequest { EnterpriseCreditCode = actors.Enterprise },
            new ListDeclarationsRequest { IncludeSuperseded = true, IndustryChain = chain },
        };
        foreach (var request in requests)
        {
            var listed = (await actors.Rival.ListDeclarationsAsync(request)).Declarations;
            Assert.DoesNotContain(accepted.Name, listed.Select(d => d.Name));
            Assert.All(listed, d => Assert.Equal(actors.Competitor, d.Enterprise.CreditCode));
        }
        Assert.Equal([own.Name], (await actors.Rival.ListDeclarationsAsync(new ListDeclarationsRequest { IndustryChain = chain })).Declarations.Select(d => d.Name));
        Assert.Equal([accepted.Name, own.Name], (await actors.Admin.ListDeclarationsAsync(new ListDeclarationsRequest { IndustryChain = chain })).Declarations.Select(d => d.Name));
        Assert.Equal([accepted.Name], (await actors.Viewer.ListDeclarationsAsync(new ListDeclarationsRequest { IndustryChain = chain })).Declarations.Select(d => d.Name));
    }

    [Fact]
    public async Task Viewer_Reads_DoesNotWrite()
    {
        var actors = new Actors(fixture);
        var draft = await actors.DraftAsync();
        Assert.Equal(draft, await actors.Viewer.GetDeclarationAsync(new GetDeclarationRequest { Name = draft.Name }));
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => actors.Viewer.UpdateDeclarationAsync(new UpdateDeclarationRequest
        {
            Declaration = new Declaration { Name = draft.Name, Headcount = 1 },
            UpdateMask = new FieldMask { Paths = { "headcount" } },
        }).ResponseAsync);
        var submitted = await actors.SubmittedAsync();
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => actors.Viewer.ReviseDeclarationAsync(new ReviseDeclarationRequest { Name = submitted.Name }).ResponseAsync);
    }

    [Fact]
    public async Task NoToken_Unauthenticated()
    {
        var anonymous = fixture.Service.Client<DeclarationService.DeclarationServiceClient>(null);
        await GrpcAssert.Status(StatusCode.Unauthenticated, () => anonymous.ListDeclarationsAsync(new ListDeclarationsRequest()).ResponseAsync);
    }
}
