using Collaboration.Talent.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using CohortState = Collaboration.Apprenticeships.V1.Cohort.Types.State;
using EditionState = Collaboration.Talent.V1.CatalogueEdition.Types.State;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;

namespace Collaboration.Talent.Tests;

/// <summary>A catalogue year no other test uses (they share one database, and a year has one edition).</summary>
public static class TestYears
{
    private static int _next = 2040;

    public static int New() => Interlocked.Increment(ref _next);
}

[Collection("catalogue publications")]
public sealed class CatalogueTests(TalentFixture fixture)
{
    private CatalogueService.CatalogueServiceClient Admin => fixture.Service.Client<CatalogueService.CatalogueServiceClient>(Tokens.Admin());
    private CatalogueService.CatalogueServiceClient Anonymous => fixture.Service.Client<CatalogueService.CatalogueServiceClient>(null);
    private CatalogueService.CatalogueServiceClient As(string code) => fixture.Service.Client<CatalogueService.CatalogueServiceClient>(Tokens.For(code, "enterprise"));

    private static async Task<Declaration> AcceptAsync(Actors actors, int year, string chain, string occupation, int headcount, int payMin, int payMax)
    {
        var d = Actors.NewDeclaration(year, chain, occupation, headcount);
        d.MonthlyPayMinYuan = payMin;
        d.MonthlyPayMaxYuan = payMax;
        var created = await actors.Owner.CreateDeclarationAsync(new CreateDeclarationRequest { Declaration = d });
        await actors.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = created.Name });
        return await actors.Admin.AcceptDeclarationAsync(new AcceptDeclarationRequest { Name = created.Name });
    }

    private async Task<Dictionary<string, CatalogueEntry>> EntriesAsync(CatalogueService.CatalogueServiceClient client, int year, string chain) =>
        (await client.ListCatalogueEntriesAsync(new ListCatalogueEntriesRequest { Parent = $"catalogueEditions/{year}", IndustryChain = chain, PageSize = 200 }))
            .Entries.ToDictionary(e => e.OccupationCode);

    /// <summary>
    /// Figures computed by hand. 6-18-01-01: declared 12 + 5 (enterprise A) + 8 (B) = 25 by 2 enterprises, pay 5,000–9,000;
    /// supply = seats 6 (in training) + 4 (approved) + 2 graduates of the last 12 months employed in the city = 12 →
    /// 25 ÷ 12 = 2.0833 → 2.08, SCARCE (≥ 2.00). Not counted: a draft cohort's 30 seats, a graduate employed outside the city,
    /// a withdrawn learner, a graduate of a cohort that ended 400 days ago, a submitted (not accepted) declaration of 100,
    /// and a superseded one of 50. 6-18-01-02: 6 ÷ (5 seats) = 1.20, URGENT (the threshold counts). 6-17-02-02: 3 ÷ 4 = 0.75,
    /// GENERAL. 6-25-02-01: 7 people, no supply: no index, SCARCE.
    /// </summary>
    [Fact]
    public async Task CompileCatalogueEdition_FiguresAsComputedByHand()
    {
        var year = TestYears.New();
        var chain = TestChains.New();
        var a = new Actors(fixture);
        var b = new Actors(fixture);
        await AcceptAsync(a, year, chain, "6-18-01-01", 12, 5500, 8000);
        await AcceptAsync(a, year, chain, "6-18-01-01", 5, 5000, 7000);
        await AcceptAsync(b, year, chain, "6-18-01-01", 8, 6000, 9000);
        await a.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = (await a.Owner.CreateDeclarationAsync(new CreateDeclarationRequest { Declaration = Actors.NewDeclaration(year, chain, "6-18-01-01", 100) })).Name });
        var replaced = await AcceptAsync(b, year, chain, "6-18-01-01", 50, 5000, 6000);
        var correction = await b.Owner.ReviseDeclarationAsync(new ReviseDeclarationRequest { Name = replaced.Name });
        await b.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = correction.Name });
        await AcceptAsync(a, year, chain, "6-18-01-02", 6, 6000, 7000);
        await AcceptAsync(b, year, chain, "6-17-02-02", 3, 7000, 9500);
        await AcceptAsync(a, year, chain, "6-25-02-01", 7, 4500, 6000);
        // A declaration of another year is another edition's.
        await AcceptAsync(a, year + 1, chain, "6-18-01-01", 40, 5000, 6000);

        var rows = new SupplyRows(fixture);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await rows.CohortAsync("6-18-01-01", chain, 6, CohortState.InTraining);
        await rows.CohortAsync("6-18-01-01", chain, 4, CohortState.Approved);
        await rows.CohortAsync("6-18-01-01", chain, 30, CohortState.Draft);
        var graduated = await rows.CohortAsync("6-18-01-01", chain, 5, CohortState.Graduated, today.AddDays(-30));
        await rows.LearnerAsync(graduated, EnrolmentState.Completed, employedInCity: true, retained6: true);
        await rows.LearnerAsync(graduated, EnrolmentState.Completed, employedInCity: true);
        await rows.LearnerAsync(graduated, EnrolmentState.Completed, employedInCity: false);
        await rows.LearnerAsync(graduated, EnrolmentState.Withdrawn);
        var longAgo = await rows.CohortAsync("6-18-01-01", chain, 5, CohortState.Closed, today.AddDays(-400));
        await rows.LearnerAsync(longAgo, EnrolmentState.Completed, employedInCity: true);
        await rows.CohortAsync("6-18-01-02", chain, 5, CohortState.Recruiting);
        await rows.CohortAsync("6-17-02-02", chain, 4, CohortState.InTraining);

        var edition = await Admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = year });
        Assert.Equal(EditionState.Draft, edition.State);
        Assert.Equal($"catalogueEditions/{year}", edition.Name);
        Assert.Equal(("2.00", "1.20"), (edition.ScarceThreshold, edition.UrgentThreshold));

        var entries = await EntriesAsync(Admin, year, chain);
        Assert.Equal(["6-17-02-02", "6-18-01-01", "6-18-01-02", "6-25-02-01"], entries.Keys.Order());
        var main = entries["6-18-01-01"];
        Assert.Equal($"catalogueEditions/{year}/entries/6-18-01-01~{chain}", main.Name);
        Assert.Equal("车工", main.OccupationTitle);
        Assert.Equal((25, 2, 5000, 9000), (main.TotalDemand, main.DeclaringEnterprises, main.MonthlyPayMinYuan, main.MonthlyPayMaxYuan));
        Assert.Equal((10, 2, 12), (main.SupplySeats, main.SupplyGraduatesPlaced, main.Supply));
        Assert.Equal(("2.08", false, Band.Scarce, Band.Scarce, false), (main.ShortageIndex, main.NoSupply, main.ComputedBand, main.Band, main.BandAdjusted));
        Assert.Equal(("1.20", Band.Urgent), (entries["6-18-01-02"].ShortageIndex, entries["6-18-01-02"].Band));
        Assert.Equal(("0.75", Band.General), (entries["6-17-02-02"].ShortageIndex, entries["6-17-02-02"].Band));
        var none = entries["6-25-02-01"];
        Assert.Equal(("", true, Band.Scarce, 0), (none.ShortageIndex, none.NoSupply, none.Band, none.Supply));
    }

    [Fact]
    public async Task Recompile_KeepsNotesAndAdjustedBands_DropsEntriesNoLongerDeclared_Figures()
    {
        var year = TestYears.New();
        var chain = TestChains.New();
        var actors = new Actors(fixture);
        await AcceptAsync(actors, year, chain, "6-18-01-01", 10, 5000, 6000);
        var gone = await AcceptAsync(actors, year, chain, "6-17-02-02", 4, 5000, 6000);
        await Admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = year });
        var entry = (await EntriesAsync(Admin, year, chain))["6-18-01-01"];
        var adjusted = await Admin.UpdateCatalogueEntryAsync(new UpdateCatalogueEntryRequest
        {
            Entry = new CatalogueEntry { Name = entry.Name, Band = Band.Urgent, Note = "  培训周期短，已有两期订单班在招。 ", Etag = entry.Etag },
            UpdateMask = new FieldMask { Paths = { "band", "note" } },
        });
        Assert.Equal((Band.Scarce, Band.Urgent, true, "培训周期短，已有两期订单班在招。"), (adjusted.ComputedBand, adjusted.Band, adjusted.BandAdjusted, adjusted.Note));

        var correction = await actors.Owner.ReviseDeclarationAsync(new ReviseDeclarationRequest { Name = gone.Name });
        await actors.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = correction.Name });
        await AcceptAsync(actors, year, chain, "6-18-01-01", 5, 4000, 6000);
        await Admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = year });

        var entries = await EntriesAsync(Admin, year, chain);
        Assert.Equal(["6-18-01-01"], entries.Keys);
        var after = entries["6-18-01-01"];
        Assert.Equal((15, 4000, Band.Urgent, true, "培训周期短，已有两期订单班在招。"), (after.TotalDemand, after.MonthlyPayMinYuan, after.Band, after.BandAdjusted, after.Note));

        var reset = await Admin.UpdateCatalogueEntryAsync(new UpdateCatalogueEntryRequest
        {
            Entry = new CatalogueEntry { Name = after.Name, Band = Band.Unspecified },
            UpdateMask = new FieldMask { Paths = { "band" } },
        });
        Assert.Equal((Band.Scarce, false), (reset.Band, reset.BandAdjusted));
    }

    [Fact]
    public async Task Publish_Immutable_PublicToAnonymous_DraftsHidden_LaterEditionSupersedes()
    {
        var year = TestYears.New();
        var chain = TestChains.New();
        var actors = new Actors(fixture);
        await AcceptAsync(actors, year, chain, "6-18-01-01", 10, 5000, 6000);
        var compile = new CompileCatalogueEditionRequest { Year = year, RequestId = Guid.NewGuid().ToString() };
        var draft = await Admin.CompileCatalogueEditionAsync(compile);

        await GrpcAssert.Status(StatusCode.NotFound, () => Anonymous.GetCatalogueEditionAsync(new GetCatalogueEditionRequest { Name = draft.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => As(actors.Enterprise).ListCatalogueEntriesAsync(new ListCatalogueEntriesRequest { Parent = draft.Name }).ResponseAsync);
        Assert.DoesNotContain(draft.Name, (await Anonymous.ListCatalogueEditionsAsync(new ListCatalogueEditionsRequest { PageSize = 200 })).CatalogueEditions.Select(e => e.Name));
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => As(actors.Enterprise).CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = year }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => As(actors.Enterprise).PublishCatalogueEditionAsync(new PublishCatalogueEditionRequest { Name = draft.Name }).ResponseAsync);

        var published = await Admin.PublishCatalogueEditionAsync(new PublishCatalogueEditionRequest { Name = draft.Name, Etag = draft.Etag });
        Assert.Equal(EditionState.Published, published.State);
        Assert.NotNull(published.PublishTime);
        Assert.Equal(published, await Anonymous.GetCatalogueEditionAsync(new GetCatalogueEditionRequest { Name = draft.Name }));
        var entry = (await EntriesAsync(Anonymous, year, chain))["6-18-01-01"];
        Assert.Equal(entry, await Anonymous.GetCatalogueEntryAsync(new GetCatalogueEntryRequest { Name = entry.Name }));

        // Over JSON too, with no token: the public reads are the only anonymous endpoints.
        using (var json = await fixture.Service.Http.GetAsync($"/v1/catalogueEditions/{year}/entries", TestContext.Current.CancellationToken))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, json.StatusCode);
            Assert.Contains(entry.Name, await json.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        using (var json = await fixture.Service.Http.GetAsync("/v1/declarations", TestContext.Current.CancellationToken))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, json.StatusCode);
        }

        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => Admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = year }).ResponseAsync);
        // A retry of the compilation that made the draft is answered as it was, published or not (the seeds walk again).
        Assert.Equal(draft, await Admin.CompileCatalogueEditionAsync(compile));
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => Admin.PublishCatalogueEditionAsync(new PublishCatalogueEditionRequest { Name = draft.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => Admin.UpdateCatalogueEntryAsync(new UpdateCatalogueEntryRequest
        {
            Entry = new CatalogueEntry { Name = entry.Name, Note = "too late" },
            UpdateMask = new FieldMask { Paths = { "note" } },
        }).ResponseAsync);
        Assert.Equal(entry, await Anonymous.GetCatalogueEntryAsync(new GetCatalogueEntryRequest { Name = entry.Name }));

        var next = await Admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = TestYears.New() });
        await Admin.PublishCatalogueEditionAsync(new PublishCatalogueEditionRequest { Name = next.Name });
        var superseded = await Anonymous.GetCatalogueEditionAsync(new GetCatalogueEditionRequest { Name = draft.Name });
        Assert.Equal((EditionState.Superseded, next.Name), (superseded.State, superseded.SupersededBy));
        Assert.Equal(EditionState.Superseded, (await Anonymous.ListCatalogueEditionsAsync(new ListCatalogueEditionsRequest { State = EditionState.Superseded, PageSize = 200 }))
            .CatalogueEditions.Single(e => e.Name == draft.Name).State);

        // An earlier year's edition cannot be published after a later one.
        var older = await Admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = 2020 + (year % 20) });
        if (older.State == EditionState.Draft)
        {
            var refused = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => Admin.PublishCatalogueEditionAsync(new PublishCatalogueEditionRequest { Name = older.Name }).ResponseAsync);
            Assert.Contains("already published", refused.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Anonymous_WritesAndAudit_Unauthenticated()
    {
        await GrpcAssert.Status(StatusCode.Unauthenticated, () => Anonymous.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = 2099 }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.Unauthenticated, () => Anonymous.ListCatalogueAuditEntriesAsync(new ListCatalogueAuditEntriesRequest { Parent = "catalogueEditions/2099" }).ResponseAsync);
    }

    [Fact]
    public async Task CompareCatalogueEditions_AddedRemovedMoved()
    {
        var year = TestYears.New();
        var later = TestYears.New();
        var chain = TestChains.New();
        var actors = new Actors(fixture);
        await AcceptAsync(actors, year, chain, "6-18-01-01", 10, 5000, 6000);
        await AcceptAsync(actors, year, chain, "6-17-02-02", 3, 5000, 6000);
        await AcceptAsync(actors, later, chain, "6-18-01-01", 10, 5000, 6000);
        await AcceptAsync(actors, later, chain, "6-25-02-01", 2, 5000, 6000);
        await new SupplyRows(fixture).CohortAsync("6-18-01-01", chain, 40, CohortState.InTraining);
        var first = await Admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = year });
        // Before the second compilation more seats open: 10 ÷ 40 = 0.25 (GENERAL) then 10 ÷ 80 = 0.13 (GENERAL); the admin moves it instead.
        await Admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = later });
        var moved = (await EntriesAsync(Admin, later, chain))["6-18-01-01"];
        await Admin.UpdateCatalogueEntryAsync(new UpdateCatalogueEntryRequest
        {
            Entry = new CatalogueEntry { Name = moved.Name, Band = Band.Urgent },
            UpdateMask = new FieldMask { Paths = { "band" } },
        });

        var diff = await Admin.CompareCatalogueEditionsAsync(new CompareCatalogueEditionsRequest { Base = first.Name, Target = $"catalogueEditions/{later}" });
        Assert.Equal(["6-25-02-01"], diff.Added.Where(e => e.IndustryChain == chain).Select(e => e.OccupationCode));
        Assert.Equal(["6-17-02-02"], diff.Removed.Where(e => e.IndustryChain == chain).Select(e => e.OccupationCode));
        var change = Assert.Single(diff.Moved, m => m.IndustryChain == chain);
        Assert.Equal(("6-18-01-01", Band.General, Band.Urgent), (change.OccupationCode, change.FromBand, change.ToBand));
        await GrpcAssert.Status(StatusCode.NotFound, () => Anonymous.CompareCatalogueEditionsAsync(new CompareCatalogueEditionsRequest { Base = first.Name, Target = $"catalogueEditions/{later}" }).ResponseAsync);
    }

    /// <summary>
    /// The loop for 6-18-01-01 by hand: declared 20; in training: a cohort of 12 seats with 3 live learners and 1 paused
    /// (and 1 withdrawn, not enrolled) plus an approved cohort of 8 seats with none; graduated 45 days ago: 4 completed, 3
    /// employed in the city (2 still employed at 6 months, 1 at 12), 1 employed elsewhere. Seats 20, enrolled 4, graduates 4,
    /// placed 3, gap 20 − (20 + 3) = −3. Figures read live: a cohort opened after compilation counts at once.
    /// </summary>
    [Fact]
    public async Task GetCatalogueEntryFigures_HandComputed_Live_AdminsOnly_UnavailableWhenDown()
    {
        var year = TestYears.New();
        var chain = TestChains.New();
        var actors = new Actors(fixture);
        await AcceptAsync(actors, year, chain, "6-18-01-01", 20, 5000, 6000);
        await Admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = year });
        var rows = new SupplyRows(fixture);
        var training = await rows.CohortAsync("6-18-01-01", chain, 12, CohortState.InTraining);
        foreach (var state in new[] { EnrolmentState.Live, EnrolmentState.Live, EnrolmentState.Live, EnrolmentState.Paused, EnrolmentState.Withdrawn })
        {
            await rows.LearnerAsync(training, state);
        }
        await rows.CohortAsync("6-18-01-01", chain, 8, CohortState.Approved);
        var graduated = await rows.CohortAsync("6-18-01-01", chain, 10, CohortState.Graduated, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-45));
        await rows.LearnerAsync(graduated, EnrolmentState.Completed, employedInCity: true, retained6: true, retained12: true);
        await rows.LearnerAsync(graduated, EnrolmentState.Completed, employedInCity: true, retained6: true);
        await rows.LearnerAsync(graduated, EnrolmentState.Completed, employedInCity: true);
        await rows.LearnerAsync(graduated, EnrolmentState.Completed, employedInCity: false, retained6: true, retained12: true);

        var name = $"catalogueEditions/{year}/entries/6-18-01-01~{chain}";
        var figures = await Admin.GetCatalogueEntryFiguresAsync(new GetCatalogueEntryFiguresRequest { Name = name });
        Assert.Equal((20, 2, 20, 4), (figures.DeclaredDemand, figures.CohortsInTraining, figures.Seats, figures.Enrolled));
        Assert.Equal((4, 3, 2, 1, -3), (figures.Graduates, figures.PlacedInCity, figures.Retained6Months, figures.Retained12Months, figures.Gap));

        // A draft's entry does not exist for an enterprise.
        await GrpcAssert.Status(StatusCode.NotFound, () => As(actors.Enterprise).GetCatalogueEntryFiguresAsync(new GetCatalogueEntryFiguresRequest { Name = name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.Unauthenticated, () => Anonymous.GetCatalogueEntryFiguresAsync(new GetCatalogueEntryFiguresRequest { Name = name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => Admin.GetCatalogueEntryFiguresAsync(new GetCatalogueEntryFiguresRequest { Name = $"catalogueEditions/{year}/entries/6-17-02-02~{chain}" }).ResponseAsync);

        await using var cut = await fixture.StartReplicaAsync("talent", null,
            new Dictionary<string, string?> { [Extensions.ApprenticeshipsUrlKey] = $"http://127.0.0.1:{PostgresServer.FreePort()}" });
        await GrpcAssert.Status(StatusCode.Unavailable,
            () => cut.Client<CatalogueService.CatalogueServiceClient>(Tokens.Admin()).GetCatalogueEntryFiguresAsync(new GetCatalogueEntryFiguresRequest { Name = name }).ResponseAsync);
    }

    [Fact]
    public async Task Compile_ApprenticeshipsDown_Unavailable_NothingWritten()
    {
        var year = TestYears.New();
        var chain = TestChains.New();
        await AcceptAsync(new Actors(fixture), year, chain, "6-18-01-01", 10, 5000, 6000);
        await using var cut = await fixture.StartReplicaAsync("talent", null,
            new Dictionary<string, string?> { [Extensions.ApprenticeshipsUrlKey] = $"http://127.0.0.1:{PostgresServer.FreePort()}" });
        var admin = cut.Client<CatalogueService.CatalogueServiceClient>(Tokens.Admin());
        await GrpcAssert.Status(StatusCode.Unavailable, () => admin.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = year }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => Admin.GetCatalogueEditionAsync(new GetCatalogueEditionRequest { Name = $"catalogueEditions/{year}" }).ResponseAsync);
    }
}
