using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Collaboration.Alliances.V1;
using Collaboration.Shared.Identity;
using Collaboration.TestSupport;
using Google.Rpc;
using Grpc.Core;

namespace Collaboration.Gateway.Tests;

public sealed class EdgeTests(GatewayFixture fixture)
{
    /// <summary>An owner of a new enterprise, registered in the directory.</summary>
    private string Owner(string subject) => Tokens.For(fixture.Directory.New("enterprise"), "enterprise", "owner", subject);

    private AllianceService.AllianceServiceClient Client(string? token) =>
        fixture.Gateway.Client<AllianceService.AllianceServiceClient>(token);

    [Fact]
    public async Task Grpc_ValidToken_ReachesTheService()
    {
        var token = Owner($"reach-{Guid.NewGuid():N}");
        var created = await Client(token).CreateAllianceAsync(new CreateAllianceRequest
        {
            Alliance = new Alliance
            {
                DisplayName = $"Through the gateway {Guid.NewGuid():N}",
                IndustryChain = "energy",
                LeadOrganization = new Common.V1.Organization { Name = "Gateway Energy Co." },
            },
        });
        Assert.Equal(Alliance.Types.State.Draft, created.State);
    }

    public static TheoryData<string> BadTokens() => ["missing", "garbage", "expired", "not-yet-valid", "tampered", "unknown-key", "wrong-issuer", "wrong-audience"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Grpc_BadToken_UnauthenticatedAtTheEdge(string kind)
    {
        var error = await GrpcAssert.Status(StatusCode.Unauthenticated, () => Client(BadToken(kind)).ListAlliancesAsync(new ListAlliancesRequest()).ResponseAsync);
        Assert.Contains("bearer token", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Json_BadToken_401(string kind)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/alliances");
        if (BadToken(kind) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await fixture.Gateway.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Grpc_RateLimitPerCaller_ResourceExhaustedWithRetryInfo_OtherCallersUnaffected()
    {
        var noisy = fixture.LimitedGateway.Client<AllianceService.AllianceServiceClient>(Owner($"noisy-{Guid.NewGuid():N}"));
        var codes = new List<StatusCode>();
        RpcException? rejection = null;
        for (var i = 0; i < GatewayFixture.Burst + 5; i++)
        {
            try
            {
                await noisy.ListAlliancesAsync(new ListAlliancesRequest { PageSize = 1 });
                codes.Add(StatusCode.OK);
            }
            catch (RpcException ex)
            {
                codes.Add(ex.StatusCode);
                rejection ??= ex;
            }
        }

        Assert.Contains(StatusCode.ResourceExhausted, codes);
        Assert.True(codes.Count(c => c == StatusCode.OK) <= GatewayFixture.Burst + 1, string.Join(",", codes));
        var retry = rejection!.GetRpcStatus()?.GetDetail<RetryInfo>();
        Assert.NotNull(retry);
        Assert.True(retry.RetryDelay.ToTimeSpan() >= TimeSpan.FromSeconds(1));

        // Another caller has its own bucket.
        await fixture.LimitedGateway.Client<AllianceService.AllianceServiceClient>(Owner($"quiet-{Guid.NewGuid():N}"))
            .ListAlliancesAsync(new ListAlliancesRequest { PageSize = 1 });
    }

    [Fact]
    public async Task Json_RateLimitPerCaller_429WithRetryAfter()
    {
        var token = Owner($"noisy-json-{Guid.NewGuid():N}");
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? rejected = null;
        for (var i = 0; i < GatewayFixture.Burst + 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/alliances?pageSize=1");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await fixture.LimitedGateway.Http.SendAsync(request, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                rejected ??= response;
            }
            else
            {
                response.Dispose();
            }
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.NotNull(rejected!.Headers.RetryAfter);
        rejected.Dispose();
    }

    /// <summary>
    /// One bucket per caller, whatever the method and the protocol: a bucket per method (or path) or per protocol
    /// would let the spending below run on long past the burst, and the fresh methods after it through.
    /// </summary>
    [Fact]
    public async Task RateLimit_OneBucketPerCaller_AcrossMethodsAndBothProtocols()
    {
        var token = Owner($"sweep-{Guid.NewGuid():N}");
        var grpc = fixture.LimitedGateway.Client<AllianceService.AllianceServiceClient>(token);
        const string missing = "alliances/no-such-alliance";
        // One call each of a different method; the answer (NOT_FOUND, …) matters only when it is the limiter's.
        Func<Task>[] grpcMethods =
        [
            () => grpc.ListAlliancesAsync(new ListAlliancesRequest { PageSize = 1 }).ResponseAsync,
            () => grpc.GetAllianceAsync(new GetAllianceRequest { Name = missing }).ResponseAsync,
            () => grpc.ListMembersAsync(new ListMembersRequest { Parent = missing }).ResponseAsync,
            () => grpc.ListEvaluationsAsync(new ListEvaluationsRequest { Parent = missing }).ResponseAsync,
            () => grpc.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = missing }).ResponseAsync,
            () => grpc.SubmitAllianceAsync(new SubmitAllianceRequest { Name = missing }).ResponseAsync,
        ];
        (HttpMethod Method, string Path)[] jsonMethods =
        [
            (HttpMethod.Get, "/v1/alliances?pageSize=1"), (HttpMethod.Get, $"/v1/{missing}"), (HttpMethod.Get, $"/v1/{missing}/members"),
            (HttpMethod.Get, $"/v1/{missing}/evaluations"), (HttpMethod.Get, $"/v1/{missing}/auditEntries"), (HttpMethod.Post, $"/v1/{missing}:submit"),
        ];

        // Spend the budget on three methods of each protocol, alternating, until the first refusal.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var passed = 0;
        Answer? refusal = null;
        for (var i = 0; refusal is null && i < 4 * GatewayFixture.Burst; i++)
        {
            var answer = i % 2 == 0 ? await GrpcAnswer(grpcMethods[i / 2 % 3]) : await JsonAnswer(jsonMethods[i / 2 % 3], token);
            if (answer.Limited)
            {
                refusal = answer;
            }
            else
            {
                passed++;
            }
        }
        Assert.True(refusal is not null, $"{passed} calls over six methods and two protocols passed a burst of {GatewayFixture.Burst}");
        var refilled = GatewayFixture.PermitsPerSecond * (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        Assert.True(passed <= GatewayFixture.Burst + refilled, $"{passed} calls passed a burst of {GatewayFixture.Burst} (+{refilled} refilled)");

        // Methods this caller has not called yet, on both protocols, are refused too (one may meet a refill).
        List<Answer> probes = [];
        for (var i = 3; i < 6; i++)
        {
            probes.Add(await GrpcAnswer(grpcMethods[i]));
            probes.Add(await JsonAnswer(jsonMethods[i], token));
        }
        Assert.True(probes.Count(p => p.Limited && p.Grpc) >= 2, string.Join(", ", probes));
        Assert.True(probes.Count(p => p.Limited && !p.Grpc) >= 2, string.Join(", ", probes));
        Assert.All(probes.Where(p => p.Limited), p => Assert.True(p.RetryAdvice, $"{p} without RetryInfo / Retry-After"));

        // Another caller has its own bucket, on both protocols.
        var other = Owner($"sweep-other-{Guid.NewGuid():N}");
        var otherGrpc = fixture.LimitedGateway.Client<AllianceService.AllianceServiceClient>(other);
        Assert.False((await GrpcAnswer(() => otherGrpc.GetAllianceAsync(new GetAllianceRequest { Name = missing }).ResponseAsync)).Limited);
        Assert.False((await JsonAnswer(jsonMethods[0], other)).Limited);
    }

    private sealed record Answer(bool Grpc, string What, bool Limited, bool RetryAdvice);

    private static async Task<Answer> GrpcAnswer(Func<Task> call)
    {
        try
        {
            await call();
            return new Answer(true, "OK", false, false);
        }
        catch (RpcException ex)
        {
            return new Answer(true, ex.StatusCode.ToString(), ex.StatusCode == StatusCode.ResourceExhausted,
                ex.GetRpcStatus()?.GetDetail<RetryInfo>() is { RetryDelay.Seconds: >= 1 });
        }
    }

    private async Task<Answer> JsonAnswer((HttpMethod Method, string Path) call, string token)
    {
        using var request = new HttpRequestMessage(call.Method, call.Path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (call.Method == HttpMethod.Post)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }
        using var response = await fixture.LimitedGateway.Http.SendAsync(request, TestContext.Current.CancellationToken);
        return new Answer(false, $"{call.Method} {call.Path} {(int)response.StatusCode}", response.StatusCode == HttpStatusCode.TooManyRequests,
            response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Json_BodyOverTheLimit_413AndNothingReachesTheService()
    {
        var name = $"Too big {Guid.NewGuid():N}";
        var charter = new string('x', GatewayFixture.MaxBodyBytes);
        var body = "{\"displayName\":\"" + name + "\",\"industryChain\":\"energy\",\"charterSummary\":\"" + charter + "\",\"leadOrganization\":{\"name\":\"X\"}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/alliances") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var token = Owner($"big-{Guid.NewGuid():N}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await fixture.Gateway.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Json_BadToken_401_AtTheServiceCalledDirectly(string kind)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/alliances");
        if (BadToken(kind) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await fixture.Alliances.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Grpc_MessageOverTheLimit_ResourceExhausted_ThroughTheGatewayAndDirect_NothingWritten()
    {
        var token = Owner($"big-grpc-{Guid.NewGuid():N}");
        var name = $"Too big gRPC {Guid.NewGuid():N}";
        CreateAllianceRequest Request(int charterBytes) => new()
        {
            Alliance = new Alliance
            {
                DisplayName = name,
                IndustryChain = "energy",
                CharterSummary = new string('x', charterBytes),
                LeadOrganization = new Common.V1.Organization { Name = "Big Energy Co." },
            },
        };

        // Every service takes gRPC messages of up to 4 MB (YARP lifts the server's body limit for gRPC, since a stream may
        // carry many messages, so the limit is per message, at the service); the gateway relays the refusal as it is.
        var atGateway = await Assert.ThrowsAsync<RpcException>(() => Client(token).CreateAllianceAsync(Request(4 * 1024 * 1024 + 1024)).ResponseAsync);
        var atService = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Alliances.Client<AllianceService.AllianceServiceClient>(token).CreateAllianceAsync(Request(4 * 1024 * 1024 + 1024)).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, atGateway.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, atService.StatusCode);
        await using var connection = new Npgsql.NpgsqlConnection(fixture.Postgres.ConnectionString("alliances"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM alliances WHERE display_name = @name", connection);
        count.Parameters.AddWithValue("name", name);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    private static string? BadToken(string kind)
    {
        var org = Organizations.NewCode();
        var other = new AuthOptions { SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
        return kind switch
        {
            "missing" => null,
            "garbage" => "not.a.token",
            "expired" => JwtAuthentication.MintToken(Tokens.Options, "late", org, "enterprise", "owner", TimeSpan.FromMinutes(5), DateTime.UtcNow.AddHours(-1)),
            "not-yet-valid" => JwtAuthentication.MintToken(Tokens.Options, "early", org, "enterprise", "owner", TimeSpan.FromMinutes(5), DateTime.UtcNow.AddHours(1)),
            "tampered" => Tamper(Tokens.For(org, "enterprise")),
            "unknown-key" => JwtAuthentication.MintToken(other, "stranger", org, "enterprise", "owner", TimeSpan.FromMinutes(5)),
            "wrong-issuer" => JwtAuthentication.MintToken(new AuthOptions { SigningKey = Tokens.Options.SigningKey, Issuer = "someone-else" }, "x", org, "enterprise", "owner", TimeSpan.FromMinutes(5)),
            "wrong-audience" => JwtAuthentication.MintToken(new AuthOptions { SigningKey = Tokens.Options.SigningKey, Audience = "another-api" }, "x", org, "enterprise", "owner", TimeSpan.FromMinutes(5)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>Changes one claim in the payload and keeps the old signature.</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]));
        payload = payload.Replace("\"owner\"", "\"admin\"", StringComparison.Ordinal);
        parts[1] = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload));
        return string.Join('.', parts);
    }
}
