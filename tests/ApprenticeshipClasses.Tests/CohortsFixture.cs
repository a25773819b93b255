using System.Collections.Concurrent;
using System.Security.Cryptography;
using Collaboration.Apprenticeships.Grpc;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Hosting;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Npgsql;

[assembly: AssemblyFixture(typeof(Collaboration.Apprenticeships.Tests.CohortsFixture))]

namespace Collaboration.Apprenticeships.Tests;

/// <summary>
/// One PostgreSQL, one Garnet, the organisation directory (the real identity service on the same PostgreSQL) and one
/// service replica for the whole test assembly; every log line is kept.
/// </summary>
public sealed class CohortsFixture : IAsyncLifetime
{
    public const string Database = "apprenticeships";

    /// <summary>The key the learners' identity numbers are hashed with in these tests.</summary>
    public static readonly byte[] IdentityKey = RandomNumberGenerator.GetBytes(32);

    public PostgresServer Postgres { get; private set; } = null!;
    public CacheServer Cache { get; private set; } = null!;
    public DirectoryServer Directory { get; private set; } = null!;
    public ServiceHost Service { get; private set; } = null!;
    public CapturedLogs Logs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Cache = new CacheServer();
        Directory = await DirectoryServer.StartAsync(Postgres);
        Service = await ServiceHost.StartAsync(b => { b.AddApprenticeshipServices(); TestChains.Accept(b.Services); },
            a => { a.MapCollaborationService<CohortsGrpcService>(); a.MapRosterCsvImport(); },
            new Dictionary<string, string?>(Directory.Settings)
            {
                ["ConnectionStrings:apprenticeshipsdb"] = Postgres.ConnectionString(Database),
                ["ConnectionStrings:cache"] = Cache.ConnectionString,
                ["Learners:IdentityKey"] = Convert.ToBase64String(IdentityKey),
                ["Apprenticeships:MetricsRefreshInterval"] = "00:00:00",
                // More than the defaults, so the masking test sees what the frameworks would log too.
                ["Logging:LogLevel:Grpc"] = "Debug",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
                ["Logging:LogLevel:Npgsql"] = "Debug",
                ["Logging:Console:LogLevel:Grpc"] = "Warning",
                ["Logging:Console:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:Console:LogLevel:Npgsql"] = "Warning",
            }, Logs);
    }

    public NpgsqlConnection Connect() => new(Postgres.ConnectionString(Database));

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

/// <summary>Keeps every log line (message, state values and exception) the service writes.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}

/// <summary>Organisations registered outside the city (division 430100, Changsha), e.g. an employer elsewhere.</summary>
public static class OutOfCity
{
    private static long _next = Random.Shared.NextInt64(1, 1_000_000) * 100;

    /// <summary>A fresh code registered in Changsha (not in the directory: register it, or use <see cref="New"/>).</summary>
    public static string NewCode() => Collaboration.Shared.Validation.CreditCode.Complete($"91430100{Interlocked.Increment(ref _next):D8}");

    /// <summary>A fresh enterprise registered in the directory under a Changsha code.</summary>
    public static string New(DirectoryServer directory, string kind = "enterprise")
    {
        var code = NewCode();
        return directory.Register(code, $"Changsha {kind} {code[^6..]}", kind);
    }
}

/// <summary>Synthetic identity numbers: 17 digits from a counter, then the GB 11643 check character.</summary>
public static class Identities
{
    private static long _next = Random.Shared.NextInt64(1, 1_000_000) * 1_000_000;

    public static string New() => IdentityNumber.Complete($"4313{Interlocked.Increment(ref _next):D13}");

    public static string Wrong(string valid) => valid[..17] + (valid[17] == '0' ? '1' : '0');
}

/// <summary>
/// Organisations and clients a test acts as; each test makes its own so tests never share rows. Every organisation is
/// registered in the directory (a vocational college and three enterprises, in the city).
/// </summary>
public sealed class Actors(CohortsFixture fixture)
{
    private readonly ServiceHost service = fixture.Service;

    public DirectoryServer Directory => fixture.Directory;
    public string College { get; } = Register(fixture.Directory, "vocational_college");
    public string Sponsor { get; } = Register(fixture.Directory, "enterprise");
    public string Sponsor2 { get; init; } = Register(fixture.Directory, "enterprise");
    public string Outsider { get; } = Register(fixture.Directory, "enterprise");

    /// <summary>The name the directory registers a code under when <see cref="Register"/> registered it.</summary>
    public static string RegisteredName(string code) => $"Registered {code[^6..]}";

    /// <summary>A fresh in-city organisation of this kind, registered in the directory under <see cref="RegisteredName"/>.</summary>
    public static string Register(DirectoryServer directory, string kind)
    {
        var code = Organizations.NewCode(kind == "enterprise" ? "91" : "12");
        return directory.Register(code, RegisteredName(code), kind);
    }

    public CohortService.CohortServiceClient CollegeClient => Client(Tokens.For(College, "vocational_college"));
    public CohortService.CohortServiceClient CollegeViewer => Client(Tokens.For(College, "vocational_college", "viewer"));
    public CohortService.CohortServiceClient SponsorClient => Client(Tokens.For(Sponsor, "enterprise"));
    public CohortService.CohortServiceClient SponsorViewer => Client(Tokens.For(Sponsor, "enterprise", "viewer"));
    public CohortService.CohortServiceClient Sponsor2Client => Client(Tokens.For(Sponsor2, "enterprise", "editor"));
    public CohortService.CohortServiceClient OutsiderClient => Client(Tokens.For(Outsider, "enterprise"));
    public CohortService.CohortServiceClient Admin => Client(Tokens.Admin());

    private CohortService.CohortServiceClient Client(string token) => service.Client<CohortService.CohortServiceClient>(token);

    public string CollegeToken => Tokens.For(College, "vocational_college");

    public Cohort NewCohort(bool twoSponsors = false, string chain = "advanced-equipment")
    {
        var cohort = new Cohort
        {
            Kind = Cohort.Types.Kind.OrderClass,
            DisplayName = $"CNC order class {Guid.NewGuid():N}"[..30],
            College = new Organization { CreditCode = College, Name = "Test Vocational College", Kind = OrganizationKind.VocationalCollege },
            MajorCode = "460103",
            OccupationCode = "6-18-01-01",
            IndustryChain = chain,
            Seats = 40,
            PlacementCommitment = 30,
            StartDate = new Google.Type.Date { Year = 2025, Month = 9, Day = 1 },
            EndDate = new Google.Type.Date { Year = 2027, Month = 6, Day = 30 },
            Sponsors = { new Sponsor { Organization = new Organization { CreditCode = Sponsor, Name = "Test Hydraulics Co." } } },
        };
        if (twoSponsors)
        {
            cohort.Sponsors.Add(new Sponsor { Organization = new Organization { CreditCode = Sponsor2, Name = "Test Motors Co." } });
        }
        return cohort;
    }

    public async Task<Cohort> CreateAsync(bool twoSponsors = false, string chain = "advanced-equipment", int seats = 40, int commitment = 30)
    {
        var cohort = NewCohort(twoSponsors, chain);
        cohort.Seats = seats;
        cohort.PlacementCommitment = commitment;
        return await CollegeClient.CreateCohortAsync(new CreateCohortRequest { Cohort = cohort });
    }

    /// <summary>Proposed by the college and confirmed by the sponsor.</summary>
    public async Task<Cohort> AgreedAsync(bool twoSponsors = false, string chain = "advanced-equipment", int seats = 40, int commitment = 30)
    {
        var cohort = await CreateAsync(twoSponsors, chain, seats, commitment);
        await CollegeClient.SubmitCohortAsync(new SubmitCohortRequest { Name = cohort.Name });
        return await SponsorClient.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name });
    }

    /// <summary>Agreed, approved by the city and open for recruitment.</summary>
    public async Task<Cohort> RecruitingAsync(bool twoSponsors = false, string chain = "advanced-equipment", int seats = 40, int commitment = 30)
    {
        var cohort = await AgreedAsync(twoSponsors, chain, seats, commitment);
        await Admin.ApproveCohortAsync(new ApproveCohortRequest { Name = cohort.Name });
        return await CollegeClient.OpenCohortRecruitmentAsync(new OpenCohortRecruitmentRequest { Name = cohort.Name });
    }

    public static RosterRow Row(string studentNumber, string? identity = null, string name = "Learner Test") => new()
    {
        StudentNumber = studentNumber,
        DisplayName = name,
        IdentityNumber = identity ?? Identities.New(),
        CollegeMentor = "Teacher Zhang",
        EnterpriseMentor = "",
    };

    /// <summary>Streams the header then the rows in batches, as a client would.</summary>
    public static async Task<ImportEnrolmentsResponse> ImportAsync(CohortService.CohortServiceClient client, string parent, IEnumerable<RosterRow> rows,
        string requestId = "", bool allowPartial = false, int batch = 500)
    {
        using var call = client.ImportEnrolments(deadline: DateTime.UtcNow.AddMinutes(10));
        return await ClientStreams.SendAsync(call, Messages(parent, rows, requestId, allowPartial, batch));
    }

    private static IEnumerable<ImportEnrolmentsRequest> Messages(string parent, IEnumerable<RosterRow> rows, string requestId, bool allowPartial, int batch)
    {
        yield return new ImportEnrolmentsRequest
        {
            Header = new ImportEnrolmentsRequest.Types.Header { Parent = parent, RequestId = requestId, AllowPartial = allowPartial },
        };
        foreach (var chunk in rows.Chunk(batch))
        {
            yield return new ImportEnrolmentsRequest { Rows = new RosterRows { Rows = { chunk } } };
        }
    }

    public async Task<IReadOnlyList<Enrolment>> EnrolmentsAsync(string parent)
    {
        var all = new List<Enrolment>();
        var token = "";
        do
        {
            var page = await CollegeClient.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = parent, PageSize = 200, PageToken = token });
            all.AddRange(page.Enrolments);
            token = page.NextPageToken;
        } while (token.Length > 0);
        return all;
    }

    public static FieldMask Mask(params string[] paths) => new() { Paths = { paths } };

    public static Task<RpcException> Expect(StatusCode code, Func<Task> call) => GrpcAssert.Status(code, call);
}
