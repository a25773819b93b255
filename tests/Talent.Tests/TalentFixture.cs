using Collaboration.Apprenticeships;
using Collaboration.Apprenticeships.Grpc;
using Collaboration.Shared.Hosting;
using Collaboration.Talent.Grpc;
using Collaboration.Talent.V1;
using Collaboration.TestSupport;
using Microsoft.AspNetCore.Builder;

[assembly: AssemblyFixture(typeof(Collaboration.Talent.Tests.TalentFixture))]

namespace Collaboration.Talent.Tests;

/// <summary>One PostgreSQL, one Garnet, the identity service as the organisation directory and one Talent replica for the whole test assembly.</summary>
public sealed class TalentFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; private set; } = null!;
    public CacheServer Cache { get; private set; } = null!;
    public DirectoryServer Directory { get; private set; } = null!;
    public ServiceHost Service { get; private set; } = null!;

    /// <summary>The Apprenticeship Classes service the catalogue reads its supply from.</summary>
    public ServiceHost Apprenticeships { get; private set; } = null!;

    public const string ApprenticeshipsDatabase = "apprenticeships";

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Cache = new CacheServer();
        Directory = await DirectoryServer.StartAsync(Postgres);
        Apprenticeships = await StartApprenticeshipsAsync();
        Service = await StartReplicaAsync("talent", Cache.ConnectionString);
    }

    public Task<ServiceHost> StartApprenticeshipsAsync() =>
        ServiceHost.StartAsync(b => { b.AddApprenticeshipServices(); TestChains.Accept(b.Services); }, a =>
            {
                a.MapCollaborationService<CohortsGrpcService>();
                a.MapGrpcService<TrainingSupplyGrpcService>().RequireAuthorization();
            },
            new Dictionary<string, string?>(Directory.Settings)
            {
                ["ConnectionStrings:apprenticeshipsdb"] = Postgres.ConnectionString(ApprenticeshipsDatabase),
                ["Learners:IdentityKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            });

    /// <summary>Another replica: same or another database, with or without a cache.</summary>
    public Task<ServiceHost> StartReplicaAsync(string database, string? cache, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(Directory.Settings)
        {
            ["ConnectionStrings:talentdb"] = Postgres.ConnectionString(database),
            ["ConnectionStrings:cache"] = cache,
            [Extensions.ApprenticeshipsUrlKey] = $"http://127.0.0.1:{Apprenticeships.GrpcPort}",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return ServiceHost.StartAsync(b => { b.AddTalentServices(); TestChains.Accept(b.Services); }, a =>
            {
                a.MapCollaborationService<DeclarationsGrpcService>();
                a.MapGrpcService<CatalogueGrpcService>().RequireAuthorization();
            },
            settings);
    }

    public async ValueTask DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
        if (Apprenticeships is not null)
        {
            await Apprenticeships.DisposeAsync();
        }
        if (Directory is not null)
        {
            await Directory.DisposeAsync();
        }
        Cache?.Dispose();
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }
}

/// <summary>Organisations and clients that tests act as; each test makes its own (registered in the directory) so tests never share rows.</summary>
public sealed class Actors(TalentFixture fixture)
{
    private readonly ServiceHost _service = fixture.Service;

    public string Enterprise { get; } = fixture.Directory.New("enterprise");
    public string Competitor { get; } = fixture.Directory.New("enterprise");
    public string College { get; } = fixture.Directory.New("vocational_college");

    public DeclarationService.DeclarationServiceClient Owner => Client(Tokens.For(Enterprise, "enterprise"));
    public DeclarationService.DeclarationServiceClient Editor => Client(Tokens.For(Enterprise, "enterprise", "editor"));
    public DeclarationService.DeclarationServiceClient Viewer => Client(Tokens.For(Enterprise, "enterprise", "viewer"));
    public DeclarationService.DeclarationServiceClient Rival => Client(Tokens.For(Competitor, "enterprise"));
    public DeclarationService.DeclarationServiceClient CollegeOwner => Client(Tokens.For(College, "vocational_college"));
    public DeclarationService.DeclarationServiceClient Admin => Client(Tokens.Admin());

    public DeclarationService.DeclarationServiceClient Client(string token) => _service.Client<DeclarationService.DeclarationServiceClient>(token);

    public static Declaration NewDeclaration(int year = 2026, string chain = "advanced-equipment", string occupation = "6-18-01-01", int headcount = 12) => new()
    {
        Year = year,
        OccupationCode = occupation,
        RelatedMajorCodes = { "460104" },
        IndustryChain = chain,
        Headcount = headcount,
        EducationLevel = EducationLevel.HigherVocational,
        SkillLevel = 4,
        Urgency = Urgency.Immediate,
        MonthlyPayMinYuan = 5500,
        MonthlyPayMaxYuan = 8000,
        WorkDistrict = "431302",
        Description = "数控车床操作，两班倒，提供宿舍。",
    };

    public async Task<Declaration> DraftAsync(int year = 2026, string chain = "advanced-equipment", string occupation = "6-18-01-01", int headcount = 12) =>
        await Owner.CreateDeclarationAsync(new CreateDeclarationRequest { Declaration = NewDeclaration(year, chain, occupation, headcount) });

    public async Task<Declaration> SubmittedAsync(int year = 2026, string chain = "advanced-equipment", string occupation = "6-18-01-01", int headcount = 12) =>
        await Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = (await DraftAsync(year, chain, occupation, headcount)).Name });

    public async Task<Declaration> AcceptedAsync(int year = 2026, string chain = "advanced-equipment", string occupation = "6-18-01-01", int headcount = 12) =>
        await Admin.AcceptDeclarationAsync(new AcceptDeclarationRequest { Name = (await SubmittedAsync(year, chain, occupation, headcount)).Name });

    public async Task<Declaration> ReturnedAsync() =>
        await Admin.ReturnDeclarationAsync(new ReturnDeclarationRequest { Name = (await SubmittedAsync()).Name, Reason = "工资区间请按月填写。" });

    /// <summary>An accepted declaration corrected: version 2 submitted, version 1 superseded. Returns (v1 as now, v2).</summary>
    public async Task<(Declaration Superseded, Declaration Correction)> SupersededAsync()
    {
        var first = await AcceptedAsync();
        var correction = await Owner.ReviseDeclarationAsync(new ReviseDeclarationRequest { Name = first.Name });
        correction = await Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = correction.Name });
        return (await Admin.GetDeclarationAsync(new GetDeclarationRequest { Name = first.Name }), correction);
    }
}
