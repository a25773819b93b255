using Collaboration.Alliances.Grpc;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Hosting;
using Collaboration.TestSupport;

[assembly: AssemblyFixture(typeof(Collaboration.Alliances.Tests.AlliancesFixture))]

namespace Collaboration.Alliances.Tests;

/// <summary>One PostgreSQL, one Garnet, the organisation directory (the real identity service) and one Alliances replica for the whole test assembly.</summary>
public sealed class AlliancesFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; private set; } = null!;
    public CacheServer Cache { get; private set; } = null!;
    public DirectoryServer Directory { get; private set; } = null!;
    public ServiceHost Service { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Cache = new CacheServer();
        Directory = await DirectoryServer.StartAsync(Postgres);
        Service = await StartReplicaAsync("alliances", Cache.ConnectionString);
    }

    /// <summary>Another replica: same or another database, with or without a cache.</summary>
    public Task<ServiceHost> StartReplicaAsync(string database, string? cache) =>
        ServiceHost.StartAsync(b => { b.AddAllianceServices(); TestChains.Accept(b.Services); }, a => a.MapCollaborationService<AlliancesGrpcService>(),
            new Dictionary<string, string?>(Directory.Settings)
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

/// <summary>
/// Organisations and clients that tests act as, each registered in the fixture's directory; each test makes its own so
/// tests never share rows.
/// </summary>
public sealed class Actors(ServiceHost service, DirectoryServer directory)
{
    public Actors(AlliancesFixture fixture) : this(fixture.Service, fixture.Directory)
    {
    }

    public string Enterprise { get; } = directory.New("enterprise");
    public string OtherEnterprise { get; } = directory.New("enterprise");
    public string University { get; } = directory.New("university");
    public DirectoryServer Directory => directory;

    public AllianceService.AllianceServiceClient Lead => service.Client<AllianceService.AllianceServiceClient>(Tokens.For(Enterprise, "enterprise"));
    public AllianceService.AllianceServiceClient LeadViewer => service.Client<AllianceService.AllianceServiceClient>(Tokens.For(Enterprise, "enterprise", "viewer"));
    public AllianceService.AllianceServiceClient Other => service.Client<AllianceService.AllianceServiceClient>(Tokens.For(OtherEnterprise, "enterprise"));
    public AllianceService.AllianceServiceClient UniversityClient => service.Client<AllianceService.AllianceServiceClient>(Tokens.For(University, "university"));
    public AllianceService.AllianceServiceClient Admin => service.Client<AllianceService.AllianceServiceClient>(Tokens.Admin());

    /// <summary>A client acting for this organisation (owner unless a role is given).</summary>
    public AllianceService.AllianceServiceClient As(string organization, string kind, string role = "owner") =>
        service.Client<AllianceService.AllianceServiceClient>(Tokens.For(organization, kind, role));

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

    /// <summary>The lead invites the university (as vice-chair); it has not answered.</summary>
    public Task<Member> InviteUniversityAsync(Alliance alliance) => InviteAsync(alliance, University);

    /// <summary>The lead invites an organisation; it has not answered.</summary>
    public Task<Member> InviteAsync(Alliance alliance, string organization, Member.Types.Role role = Member.Types.Role.ViceChair,
        Google.Type.Date? joined = null) =>
        Lead.AddMemberAsync(new AddMemberRequest
        {
            Parent = alliance.Name,
            Member = new Member { Organization = new Organization { CreditCode = organization }, Role = role, JoinedDate = joined },
        }).ResponseAsync;

    /// <summary>The university invited and accepting: an active member.</summary>
    public async Task<Member> AddUniversityAsync(Alliance alliance)
    {
        var invited = await InviteUniversityAsync(alliance);
        return await UniversityClient.AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name });
    }

    /// <summary>An organisation of this kind invited and accepting (its owner answers).</summary>
    public async Task<Member> AddAcceptedAsync(Alliance alliance, string organization, string kind, Member.Types.Role role = Member.Types.Role.Member,
        Google.Type.Date? joined = null)
    {
        var invited = await InviteAsync(alliance, organization, role, joined);
        return await As(organization, kind).AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name });
    }

    /// <summary>Created, with a university, submitted and approved.</summary>
    public async Task<Alliance> ApprovedAsync()
    {
        var alliance = await CreateAsync();
        await AddUniversityAsync(alliance);
        alliance = await Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });
        return await Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name });
    }
}
