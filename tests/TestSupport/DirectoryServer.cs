using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Collaboration.Identity;

namespace Collaboration.TestSupport;

/// <summary>
/// The real identity service, in-process on the test assembly's PostgreSQL, as the organisation
/// directory the service under test asks (<c>Directory:Url</c>). Tests register the organisations they
/// invent through its admin endpoint, as a city admin registers a missing one; an unregistered code is
/// refused by the services exactly as in production.
/// </summary>
public sealed class DirectoryServer : IAsyncDisposable
{
    private const string AdminClient = "test-directory-admin";
    private readonly string _adminSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    private readonly string _keyDirectory = Path.Combine(Path.GetTempPath(), "collab-directory-keys-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private ServiceHost _identity = null!;
    private string? _adminToken;
    private DateTime _adminTokenExpires;

    public string Url => $"http://127.0.0.1:{_identity.HttpPort}";

    /// <summary>What a service under test needs to ask this directory.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Directory:Url"] = Url };

    /// <param name="database">The identity database's name on <paramref name="postgres"/>.</param>
    public static async Task<DirectoryServer> StartAsync(PostgresServer postgres, string database = "identity")
    {
        var server = new DirectoryServer();
        server._identity = await ServiceHost.StartAsync(b => b.AddIdentityServices(), a => a.MapIdentityEndpoints(), new Dictionary<string, string?>
        {
            ["ConnectionStrings:identitydb"] = postgres.ConnectionString(database),
            ["Identity:AllowHttp"] = "true",
            ["Identity:KeyDirectory"] = server._keyDirectory,
            ["Identity:Clients:0:ClientId"] = AdminClient,
            ["Identity:Clients:0:ClientSecret"] = server._adminSecret,
            ["Identity:Clients:0:Role"] = "admin",
        });
        return server;
    }

    /// <summary>Registers an organisation under its credit code (a city admin's POST /api/organizations).</summary>
    /// <param name="kind">enterprise, university, vocational_college, research_institute, government_body or other.</param>
    public async Task<string> RegisterAsync(string creditCode, string name, string kind)
    {
        using var http = await AdminHttpAsync();
        var response = await http.PostAsJsonAsync("/api/organizations", new { code = creditCode, name, kind });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"registering {creditCode} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return creditCode;
    }

    /// <summary>The same, for constructors that cannot await.</summary>
    public string Register(string creditCode, string name, string kind) => RegisterAsync(creditCode, name, kind).GetAwaiter().GetResult();

    /// <summary>A fresh organisation of this kind, registered under a new in-city code; the name says the kind and the code.</summary>
    public Task<string> NewAsync(string kind, string? name = null)
    {
        var code = Organizations.NewCode(kind == "enterprise" ? "91" : "12");
        return RegisterAsync(code, name ?? $"{kind} {code[^6..]}", kind);
    }

    /// <inheritdoc cref="NewAsync"/>
    public string New(string kind, string? name = null) => NewAsync(kind, name).GetAwaiter().GetResult();

    /// <summary>A fresh valid code that is not registered: what a service must refuse.</summary>
    public static string Unregistered() => Organizations.NewCode();

    private async Task<HttpClient> AdminHttpAsync()
    {
        await _tokenLock.WaitAsync();
        try
        {
            if (_adminToken is null || DateTime.UtcNow > _adminTokenExpires)
            {
                using var anonymous = new HttpClient { BaseAddress = new Uri(Url) };
                var response = await anonymous.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials", ["client_id"] = AdminClient, ["client_secret"] = _adminSecret,
                }));
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"the directory's admin token: {(int)response.StatusCode} {body}");
                }
                using var json = JsonDocument.Parse(body);
                _adminToken = json.RootElement.GetProperty("access_token").GetString();
                _adminTokenExpires = DateTime.UtcNow.AddSeconds(json.RootElement.GetProperty("expires_in").GetInt32() - 30);
            }
        }
        finally
        {
            _tokenLock.Release();
        }
        var http = new HttpClient { BaseAddress = new Uri(Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _adminToken);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        if (_identity is not null)
        {
            await _identity.DisposeAsync();
        }
        _tokenLock.Dispose();
        try
        {
            Directory.Delete(_keyDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
