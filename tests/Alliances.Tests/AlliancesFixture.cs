using Collaboration.Alliances.Grpc;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Hosting;
using Collaboration.TestSupport;

[assembly: AssemblyFixture(typeof(Collaboration.Alliances.Tests.AlliancesFixture))]

namespace Collaboration.Alliances.Tests;

/// <summary>One PostgreSQL, one Garnet and one Alliances replica for the whole test assembly.</summary>
public sealed class AlliancesFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; private set; } = null!;
    public CacheServer Cache { get; private set; } = null!;
    public ServiceHost Service { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Cache = new CacheServer();
        Service = await StartReplicaAsync("alliances", Cache.ConnectionString);
    }

    /// <summary>Another replica: same or another database, with or without a cache.</summary>
    public Task<ServiceHost> StartReplicaAsync(string database, string? cache) =>
        ServiceHost.StartAsync(b => { b.AddAllianceServices(); TestChains.Accept(b.Services); }, a => a.MapCollaborationService<AlliancesGrpcService>(),
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:alliancesdb"] = Postgres.ConnectionString(database),
                ["ConnectionStrings:cache"] = cache,
            });

    public async ValueTask DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
        Cache?.Dispose();
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }
}

/// <summary>Organisations and clients that tests act as; each test makes its own so tests never share rows.</summary>
public sealed class Actors(ServiceHost service)
{
    public string Enterprise { get; } = Organizations.NewCode("91");
    public string OtherEnterprise { get; } = Organizations.NewCode("91");
    public string University { get; } = Organizations.NewCode("12");

    public AllianceService.AllianceServiceClient Lead => service.Client<AllianceService.AllianceServiceClient>(Tokens.For(Enterprise, "enterprise"));
    public AllianceService.AllianceServiceClient LeadViewer => service.Client<AllianceService.AllianceServiceClient>(Tokens.For(Enterprise, "enterprise", "viewer"));
    public AllianceService.AllianceServiceClient Other => service.Client<AllianceService.AllianceServiceClient>(Tokens.For(OtherEnterprise, "enterprise"));
    public AllianceService.AllianceServiceClient UniversityClient => service.Client<AllianceService.AllianceServiceClient>(Tokens.For(University, "university"));
    public AllianceService.AllianceServiceClient Admin => service.Client<AllianceService.AllianceServiceClient>(Tokens.Admin());

    public static Alliance NewAlliance(string? displayName = null, string chain = "steel-new-materials") => new()
    {
        DisplayName = displayName ?? $"Test alliance {Guid.NewGuid():N}",
        ShortName = "TA",
        IndustryChain = chain,
        LeadOrganization = new Organization { Name = "Test Steel Co.", Kind = OrganizationKind.Enterprise },
        CharterSummary = "Joint research on thin-strip casting.",
        FoundedDate = new Google.Type.Date { Year = 2023, Month = 5, Day = 12 },
    };

    public async Task<Alliance> CreateAsync(string? displayName = null, string chain = "steel-new-materials") =>
        await Lead.CreateAllianceAsync(new CreateAllianceRequest { Alliance = NewAlliance(displayName, chain) });

    public Task<Member> AddUniversityAsync(Alliance alliance) =>
        Lead.AddMemberAsync(new AddMemberRequest
        {
            Parent = alliance.Name,
            Member = new Member
            {
                Organization = new Organization { CreditCode = University, Name = "Test University", Kind = OrganizationKind.University },
                Role = Member.Types.Role.ViceChair,
            },
        }).ResponseAsync;

    /// <summary>Created, with a university, submitted and approved.</summary>
    public async Task<Alliance> ApprovedAsync()
    {
        var alliance = await CreateAsync();
        await AddUniversityAsync(alliance);
        alliance = await Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });
        return await Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name });
    }
}
