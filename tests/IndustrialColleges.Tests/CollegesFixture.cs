using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.IndustrialColleges.Grpc;
using Collaboration.Shared.Hosting;
using Collaboration.TestSupport;
using Npgsql;

[assembly: AssemblyFixture(typeof(Collaboration.IndustrialColleges.Tests.CollegesFixture))]

namespace Collaboration.IndustrialColleges.Tests;

/// <summary>
/// One PostgreSQL, one Garnet, the organisation directory (the real identity service) and one Industrial Colleges replica
/// for the whole test assembly. Every organisation a test acts as or names is registered in the directory first.
/// </summary>
public sealed class CollegesFixture : IAsyncLifetime
{
    public const string Database = "colleges";

    public PostgresServer Postgres { get; private set; } = null!;
    public CacheServer Cache { get; private set; } = null!;
    public DirectoryServer Directory { get; private set; } = null!;
    public ServiceHost Service { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Cache = new CacheServer();
        Directory = await DirectoryServer.StartAsync(Postgres);
        Service = await ServiceHost.StartAsync(b => { b.AddIndustrialCollegeServices(); TestChains.Accept(b.Services); }, a => a.MapCollaborationService<IndustrialCollegesGrpcService>(),
            new Dictionary<string, string?>(Directory.Settings)
            {
                ["ConnectionStrings:collegesdb"] = Postgres.ConnectionString(Database),
                ["ConnectionStrings:cache"] = Cache.ConnectionString,
            });
    }

    /// <summary>A scalar straight from the database, bypassing the service.</summary>
    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] args)
    {
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString(Database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

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
/// Organisations (registered in the directory) and clients that tests act as; each test makes its own so tests never
/// share rows.
/// </summary>
public sealed class Actors(CollegesFixture fixture)
{
    private readonly ServiceHost service = fixture.Service;

    public string College { get; } = fixture.Directory.New("vocational_college");
    public string PartnerA { get; } = fixture.Directory.New("enterprise");
    public string PartnerB { get; } = fixture.Directory.New("enterprise");
    public string Outsider { get; } = fixture.Directory.New("enterprise");

    public IndustrialCollegeService.IndustrialCollegeServiceClient Client(string token) =>
        service.Client<IndustrialCollegeService.IndustrialCollegeServiceClient>(token);

    /// <summary>An enterprise's client, as its owner (or another role).</summary>
    public IndustrialCollegeService.IndustrialCollegeServiceClient Enterprise(string code, string role = "owner") =>
        Client(Tokens.For(code, "enterprise", role));

    public IndustrialCollegeService.IndustrialCollegeServiceClient Host => Client(Tokens.For(College, "vocational_college"));
    public IndustrialCollegeService.IndustrialCollegeServiceClient HostViewer => Client(Tokens.For(College, "vocational_college", "viewer"));
    public IndustrialCollegeService.IndustrialCollegeServiceClient A => Client(Tokens.For(PartnerA, "enterprise"));
    public IndustrialCollegeService.IndustrialCollegeServiceClient B => Client(Tokens.For(PartnerB, "enterprise"));
    public IndustrialCollegeService.IndustrialCollegeServiceClient Other => Client(Tokens.For(Outsider, "enterprise"));
    public IndustrialCollegeService.IndustrialCollegeServiceClient Admin => Client(Tokens.Admin());

    public static IndustrialCollege NewCollege(int catalogueYear = 2021, params string[] majors) => new()
    {
        DisplayName = $"Test industrial college {Guid.NewGuid():N}",
        HostCollege = new Organization(),
        IndustryChain = "steel-new-materials",
        AnnualEnrolmentCapacity = 200,
        MajorCatalogueYear = catalogueYear,
        Majors = { (majors.Length == 0 ? ["430102", "460104"] : majors).Select(c => new Major { Code = c }) },
    };

    public async Task<IndustrialCollege> CreateAsync(int catalogueYear = 2021, params string[] majors) =>
        await Host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = NewCollege(catalogueYear, majors) });

    /// <summary>The host invites the enterprise: an INVITED link that counts for nothing until the enterprise accepts.</summary>
    public async Task<Partner> InviteAsync(IndustrialCollege college, string code, Partner.Types.Role role = Partner.Types.Role.Partner) =>
        await Host.AddPartnerAsync(new AddPartnerRequest
        {
            Parent = college.Name,
            Partner = new Partner { Organization = new Organization { CreditCode = code }, Role = role },
        });

    /// <summary>A current partner: invited by the host and accepted by the enterprise's owner.</summary>
    public async Task<Partner> AddPartnerAsync(IndustrialCollege college, string code, Partner.Types.Role role = Partner.Types.Role.Partner)
    {
        var invited = await InviteAsync(college, code, role);
        return await Enterprise(code).AcceptPartnerAsync(new AcceptPartnerRequest { Name = invited.Name });
    }

    /// <summary>Created with partners A (founding) and B, submitted, approved and opened.</summary>
    public async Task<IndustrialCollege> OperatingAsync()
    {
        var college = await CreateAsync();
        await AddPartnerAsync(college, PartnerA, Partner.Types.Role.FoundingPartner);
        await AddPartnerAsync(college, PartnerB);
        await Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });
        await Admin.ApproveIndustrialCollegeAsync(new ApproveIndustrialCollegeRequest { Name = college.Name });
        return await Host.OpenIndustrialCollegeAsync(new OpenIndustrialCollegeRequest { Name = college.Name });
    }

    public static Mentor NewMentor(string? enterprise = null) => new()
    {
        DisplayName = "王师傅",
        EnterpriseCreditCode = enterprise ?? "",
        Specialty = "连铸工艺",
        Title = "高级技师",
    };

    public static Report NewReport(int year, int enrolment = 180, int graduates = 0) => new()
    {
        Year = year,
        Enrolment = enrolment,
        Graduates = graduates,
        CoursesDelivered = 20,
        CoDevelopedCoursesDelivered = 5,
        MentorHours = 900,
        TraineesHosted = 60,
    };
}
