using Collaboration.Common.V1;
using Collaboration.Labs.Grpc;
using Collaboration.Labs.V1;
using Collaboration.Shared.Hosting;
using Collaboration.TestSupport;
using Npgsql;
using Kind = Collaboration.Labs.V1.Lab.Types.Kind;
using Level = Collaboration.Labs.V1.Lab.Types.Level;

[assembly: AssemblyFixture(typeof(Collaboration.Labs.Tests.LabsFixture))]

namespace Collaboration.Labs.Tests;

/// <summary>
/// One PostgreSQL, one Garnet, the real identity service as the organisation directory, and two Labs
/// replicas for the whole test assembly: the main one, and one on its own database for the tests that
/// close evaluation cycles (a close touches every platform). Every organisation a test invents is registered.
/// </summary>
public sealed class LabsFixture : IAsyncLifetime
{
    public const string Database = "labs";
    public const string CyclesDatabase = "labs_cycles";

    public PostgresServer Postgres { get; private set; } = null!;
    public CacheServer Cache { get; private set; } = null!;
    public DirectoryServer Directory { get; private set; } = null!;
    public ServiceHost Service { get; private set; } = null!;
    public ServiceHost CyclesService { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Cache = new CacheServer();
        Directory = await DirectoryServer.StartAsync(Postgres);
        Service = await StartReplicaAsync(Database, Cache.ConnectionString);
        CyclesService = await StartReplicaAsync(CyclesDatabase, Cache.ConnectionString);
    }

    public Task<ServiceHost> StartReplicaAsync(string database, string? cache) =>
        ServiceHost.StartAsync(b => b.AddLabServices(), a => a.MapCollaborationService<LabsGrpcService>(),
            new Dictionary<string, string?>(Directory.Settings)
            {
                ["ConnectionStrings:labsdb"] = Postgres.ConnectionString(database),
                ["ConnectionStrings:cache"] = cache,
                ["Cache:Prefix"] = database,
                ["Labs:CountsRefreshInterval"] = "00:00:00",
            });

    public async Task<long> ScalarAsync(string sql, object? args = null, string database = Database)
    {
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString(database));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        if (args is not null)
        {
            foreach (var property in args.GetType().GetProperties())
            {
                command.Parameters.AddWithValue(property.Name, property.GetValue(args)!);
            }
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (CyclesService is not null)
        {
            await CyclesService.DisposeAsync();
        }
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
/// Organisations (registered in the directory) and clients that tests act as; each test makes its own so
/// tests never share rows.
/// </summary>
public sealed class Actors(ServiceHost service, DirectoryServer directory)
{
    public Actors(LabsFixture fixture) : this(fixture.Service, fixture.Directory)
    {
    }

    public DirectoryServer Directory => directory;
    public string Enterprise { get; } = directory.New("enterprise");
    public string OtherEnterprise { get; } = directory.New("enterprise");
    public string University { get; } = directory.New("university");

    public LabService.LabServiceClient Host => service.Client<LabService.LabServiceClient>(Tokens.For(Enterprise, "enterprise"));
    public LabService.LabServiceClient HostViewer => service.Client<LabService.LabServiceClient>(Tokens.For(Enterprise, "enterprise", "viewer"));
    public LabService.LabServiceClient Other => service.Client<LabService.LabServiceClient>(Tokens.For(OtherEnterprise, "enterprise"));
    public LabService.LabServiceClient UniversityClient => service.Client<LabService.LabServiceClient>(Tokens.For(University, "university"));
    public LabService.LabServiceClient UniversityEditor => service.Client<LabService.LabServiceClient>(Tokens.For(University, "university", "editor"));
    public LabService.LabServiceClient UniversityViewer => service.Client<LabService.LabServiceClient>(Tokens.For(University, "university", "viewer"));

    /// <summary>A client of any organisation's person.</summary>
    public LabService.LabServiceClient As(string organization, string kind, string role = "owner") =>
        service.Client<LabService.LabServiceClient>(Tokens.For(organization, kind, role));
    public LabService.LabServiceClient Admin => service.Client<LabService.LabServiceClient>(Tokens.Admin());

    public static Lab NewLab(Kind kind = Kind.EnterpriseTechnologyCenter, Level level = Level.Municipal, string field = "thin-strip-casting") => new()
    {
        Kind = kind,
        Level = level,
        DisplayName = $"Test platform {Guid.NewGuid():N}",
        HostOrganization = new Organization(),
        ResearchField = field,
        Director = new Lab.Types.Director { Name = "Li Wei", Title = "Professor" },
        ApplicationSummary = "Thin-strip casting of silicon steel.",
    };

    public async Task<Lab> CreateAsync(Kind kind = Kind.EnterpriseTechnologyCenter, Level level = Level.Municipal, string field = "thin-strip-casting") =>
        await Host.CreateLabAsync(new CreateLabRequest { Lab = NewLab(kind, level, field) });

    /// <summary>The host invites the university: the link awaits its answer.</summary>
    public Task<Partner> InviteUniversityAsync(Lab lab) => InviteAsync(lab, University);

    public Task<Partner> InviteAsync(Lab lab, string organization) =>
        Host.AddLabPartnerAsync(new AddLabPartnerRequest
        {
            Parent = lab.Name,
            Partner = new Partner { Organization = new Organization { CreditCode = organization } },
        }).ResponseAsync;

    /// <summary>The university as an active partner: invited by the host, accepted by the university's owner.</summary>
    public async Task<Partner> AddUniversityAsync(Lab lab)
    {
        var invited = await InviteUniversityAsync(lab);
        return await UniversityClient.AcceptLabPartnerAsync(new AcceptLabPartnerRequest { Name = invited.Name });
    }

    /// <summary>Through the reviews to the public notice.</summary>
    public async Task<Lab> InPublicNoticeAsync(Lab lab)
    {
        lab = await Host.SubmitLabAsync(new SubmitLabRequest { Name = lab.Name });
        lab = await Admin.StartLabPreliminaryReviewAsync(new StartLabPreliminaryReviewRequest { Name = lab.Name });
        lab = await Admin.PassLabPreliminaryReviewAsync(new PassLabPreliminaryReviewRequest { Name = lab.Name });
        return await Admin.PassLabExpertReviewAsync(new PassLabExpertReviewRequest { Name = lab.Name });
    }

    /// <summary>Accredited, built and accepted: operating.</summary>
    public async Task<Lab> OperatingAsync(Kind kind = Kind.EnterpriseTechnologyCenter, Level level = Level.Municipal, string field = "thin-strip-casting")
    {
        var lab = await InPublicNoticeAsync(await CreateAsync(kind, level, field));
        return await BuildAndAcceptAsync(lab);
    }

    public async Task<Lab> BuildAndAcceptAsync(Lab lab)
    {
        lab = await Admin.AccreditLabAsync(new AccreditLabRequest { Name = lab.Name });
        lab = await Host.StartLabConstructionAsync(new StartLabConstructionRequest { Name = lab.Name });
        lab = await Host.RequestLabAcceptanceAsync(new RequestLabAcceptanceRequest { Name = lab.Name });
        return await Admin.PassLabAcceptanceAsync(new PassLabAcceptanceRequest { Name = lab.Name });
    }

    public async Task<Evaluation> EvaluateAsync(Lab lab, int cycle, int? score)
    {
        var request = new RecordLabEvaluationRequest { Parent = lab.Name, Cycle = cycle, Remarks = "test" };
        if (score is { } value)
        {
            request.Score = value;
        }
        return await Admin.RecordLabEvaluationAsync(request);
    }

    public async Task<Lab> GetAsync(Lab lab) => await Admin.GetLabAsync(new GetLabRequest { Name = lab.Name });
}
