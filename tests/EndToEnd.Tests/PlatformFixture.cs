using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Collaboration.TestSupport;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

[assembly: AssemblyFixture(typeof(Collaboration.EndToEnd.Tests.PlatformFixture))]

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// The whole platform as the README's first command starts it (local PostgreSQL, embedded cache,
/// identity service, services, gateway, seeds), in its own data folder and on its own ports. Tokens
/// come from the identity service: the admin client whose secret the fixture sets, and one owner
/// client per organisation the tests invent (registered through the AppHost's configuration).
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    /// <summary>The organisations tests act for: a key, the code's first two characters and the org_kind.</summary>
    private static readonly (string Key, string Prefix, string Kind)[] TestOrganizations =
    [
        ("alliance-lead", "91", "enterprise"), ("lab-host", "91", "enterprise"), ("stranger", "91", "enterprise"),
        ("college-host", "12", "vocational_college"), ("college-partner", "91", "enterprise"),
        ("cohort-college", "12", "vocational_college"), ("cohort-sponsor", "91", "enterprise"),
    ];

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "collab-e2e-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<string, string> _codes = TestOrganizations.ToDictionary(o => o.Key, o => Organizations.NewCode(o.Prefix));
    private readonly Dictionary<string, (string Token, DateTime Expires)> _tokens = [];
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private DistributedApplication? _app;
    private GrpcChannel? _channel;
    private GrpcChannel? _alliancesChannel;

    public string AdminClientSecret { get; } = Secret();
    public string OrganizationClientSecret { get; } = Secret();
    public string AdminPassword { get; } = Secret();
    public string DemoPassword { get; } = Secret();

    public Uri GatewayGrpc { get; private set; } = null!;
    public HttpClient GatewayHttp { get; private set; } = null!;
    public Uri IdentityUrl { get; private set; } = null!;
    public HttpClient IdentityHttp { get; private set; } = null!;
    /// <summary>The identity service's RSA signing key, as it keeps it in the data directory.</summary>
    public string SigningKeyPath => Path.Combine(_dataDirectory, "identity-keys", "signing-key.pem");

    private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        List<string> args =
        [
            $"--DataDirectory={_dataDirectory}",
            $"--Gateway:GrpcPort={PostgresServer.FreePort()}",
            $"--Gateway:HttpPort={PostgresServer.FreePort()}",
            $"--Identity:Port={PostgresServer.FreePort()}",
            $"--Portal:Port={PostgresServer.FreePort()}",
            $"--Seeds:ClientSecret={AdminClientSecret}",
            $"--Seeds:OrgClientSecret={OrganizationClientSecret}",
            $"--Identity:AdminPassword={AdminPassword}",
            $"--Identity:DemoPassword={DemoPassword}",
        ];
        for (var i = 0; i < TestOrganizations.Length; i++)
        {
            var (key, _, kind) = TestOrganizations[i];
            args.Add($"--Identity:Organizations:{i}:Code={_codes[key]}");
            args.Add($"--Identity:Organizations:{i}:Name=E2E {key}");
            args.Add($"--Identity:Organizations:{i}:Kind={kind}");
            args.Add($"--Identity:Clients:{i}:ClientId=e2e-{key}");
            args.Add($"--Identity:Clients:{i}:ClientSecret={OrganizationClientSecret}");
            args.Add($"--Identity:Clients:{i}:Role=owner");
            args.Add($"--Identity:Clients:{i}:Organization={_codes[key]}");
        }
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>([.. args], timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);

        await _app.ResourceNotifications.WaitForResourceHealthyAsync("gateway", timeout.Token);
        var seeds = await _app.ResourceNotifications.WaitForResourceAsync("seeds",
            e => e.Snapshot.State?.Text == KnownResourceStates.Finished, timeout.Token);
        // The loader got every token it needed from the identity service and loaded everything.
        Assert.True(seeds.Snapshot.ExitCode == 0, $"the seeds loader exited with {seeds.Snapshot.ExitCode}");

        GatewayGrpc = _app.GetEndpoint("gateway", "grpc");
        GatewayHttp = new HttpClient { BaseAddress = _app.GetEndpoint("gateway", "http") };
        IdentityUrl = _app.GetEndpoint("identity", "http");
        IdentityHttp = new HttpClient { BaseAddress = IdentityUrl };
        _channel = GrpcChannel.ForAddress(GatewayGrpc);
        _alliancesChannel = GrpcChannel.ForAddress(_app.GetEndpoint("alliances", "grpc"));
    }

    /// <summary>The credit code of one of <see cref="TestOrganizations"/>.</summary>
    public string Code(string key) => _codes[key];

    /// <summary>A city admin's token (the seeds loader's client).</summary>
    public Task<string> AdminTokenAsync() => TokenAsync("seed-loader@city", AdminClientSecret);

    /// <summary>The owner client's token of one of <see cref="TestOrganizations"/>.</summary>
    public Task<string> OwnerTokenAsync(string key) => TokenAsync($"e2e-{key}", OrganizationClientSecret);

    private async Task<string> TokenAsync(string clientId, string secret)
    {
        await _tokenLock.WaitAsync();
        try
        {
            if (_tokens.TryGetValue(clientId, out var cached) && cached.Expires > DateTime.UtcNow.AddMinutes(1))
            {
                return cached.Token;
            }
            using var response = await IdentityHttp.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
            }));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"token for {clientId}: {(int)response.StatusCode} {body}");
            using var json = JsonDocument.Parse(body);
            var token = json.RootElement.GetProperty("access_token").GetString()!;
            _tokens[clientId] = (token, DateTime.UtcNow.AddSeconds(json.RootElement.GetProperty("expires_in").GetInt32()));
            return token;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    /// <summary>
    /// The owner of <paramref name="ownerKey"/> grants <paramref name="granteeKey"/> a role on one record it owns
    /// (the identity service's grants API, as an owner calls it); returns the grant's id for <see cref="RevokeAsync"/>.
    /// </summary>
    public async Task<Guid> GrantAsync(string ownerKey, string resource, string granteeKey, string role)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/grants")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { resource, grantee = Code(granteeKey), role }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await OwnerTokenAsync(ownerKey));
        using var response = await IdentityHttp.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"grant {role} on {resource}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    public async Task RevokeAsync(string ownerKey, Guid grant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/grants/{grant}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await OwnerTokenAsync(ownerKey));
        using var response = await IdentityHttp.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"revoke {grant}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The identity service's audit entries the owner of <paramref name="ownerKey"/> can read, as raw JSON.</summary>
    public async Task<string> IdentityAuditAsync(string ownerKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/audit");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await OwnerTokenAsync(ownerKey));
        using var response = await IdentityHttp.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"audit: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>A gRPC client through the gateway, or straight to the alliances service when <paramref name="direct"/>.</summary>
    public T Client<T>(string? token, bool direct = false) where T : ClientBase<T>
    {
        var invoker = (direct ? _alliancesChannel! : _channel!).CreateCallInvoker();
        if (token is not null)
        {
            invoker = invoker.Intercept(metadata => { metadata.Add("authorization", $"Bearer {token}"); return metadata; });
        }
        return (T)Activator.CreateInstance(typeof(T), invoker)!;
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        _alliancesChannel?.Dispose();
        GatewayHttp?.Dispose();
        IdentityHttp?.Dispose();
        _tokenLock.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
