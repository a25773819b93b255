using System.Net.Http.Json;
using Collaboration.Common.V1;
using Collaboration.Identity.Endpoints;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Validation;
using Collaboration.TestSupport;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Collaboration.Identity.Tests;

/// <summary>
/// The directory client every service injects (services/Shared, registered by AddCollaborationAuthentication),
/// against the real identity service: typed answers with no token needed, a short memory cache, NOT_FOUND
/// naming the request field, UNAVAILABLE when the identity service cannot be reached.
/// </summary>
public sealed class OrganizationDirectoryClientTests(IdentityFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(2);
    private ServiceHost _service = null!;

    public async ValueTask InitializeAsync() => _service = await HostAsync(fixture.BaseUrl);

    public async ValueTask DisposeAsync() => await _service.DisposeAsync();

    /// <summary>A service as the AppHost configures one (service defaults, Auth:Authority), mapping nothing of its own.</summary>
    private static Task<ServiceHost> HostAsync(string authority) => ServiceHost.StartAsync(b =>
    {
        b.AddServiceDefaults();
        b.AddCollaborationAuthentication();
    }, a => a.MapHealthChecks("/health"), new Dictionary<string, string?>
    {
        ["Auth:Authority"] = authority,
        ["Auth:RequireHttpsMetadata"] = "false",
        ["Directory:CacheTtl"] = CacheTtl.ToString(),
    });

    private OrganizationDirectory Directory => _service.Services.GetRequiredService<OrganizationDirectory>();

    private async Task<string> RegisterAsync(string name, string kind, string division = "431381", string? code = null)
    {
        code ??= CreditCode.Complete($"52{division}{Organizations.NewCode()[8..16]}");
        using var admin = fixture.Http(await fixture.AdminTokenAsync());
        await IdentityFixture.ReadAsync<OrganizationView>(await admin.PostAsJsonAsync("/api/organizations", new CreateOrganizationRequest(code, name, kind)));
        return code;
    }

    private async Task RenameInTheRegisterAsync(string code, string name)
    {
        await using var connection = new NpgsqlConnection(fixture.Postgres.ConnectionString("identity"));
        await connection.OpenAsync();
        await using var update = new NpgsqlCommand("""UPDATE organizations SET "Name" = @name WHERE "Code" = @code""", connection);
        update.Parameters.AddWithValue("name", name);
        update.Parameters.AddWithValue("code", code);
        Assert.Equal(1, await update.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task LookupMany_AnswersTypedFacts_ThenFromMemoryUntilTheTtl()
    {
        var college = await RegisterAsync("涟源职业技术学院", "vocational_college");
        var found = await Directory.LookupManyAsync(
            [("host_college.credit_code", college), ("partners[0].organization.credit_code", fixture.OrgB)], CancellationToken.None);

        Assert.Equal(new RegisteredOrganization(college, "涟源职业技术学院", OrganizationKind.VocationalCollege, found[college].RegisteredAt, "431381", true),
            found[college]);
        Assert.Equal(OrganizationKind.University, found[fixture.OrgB].Kind);
        await RenameInTheRegisterAsync(college, "涟源职业技术学院（新名）");
        Assert.Equal("涟源职业技术学院", (await Directory.LookupAsync(college, "host_college.credit_code", CancellationToken.None)).Name);
        await Task.Delay(CacheTtl + TimeSpan.FromMilliseconds(200));
        Assert.Equal("涟源职业技术学院（新名）", (await Directory.LookupAsync(college, "host_college.credit_code", CancellationToken.None)).Name);
    }

    [Fact]
    public async Task UnknownCodes_AreNotFoundNamingTheirFields_AndCountOnceRegistered()
    {
        var unknown = Organizations.NewCode();
        var alsoUnknown = Organizations.NewCode();

        var refused = await GrpcAssert.Status(StatusCode.NotFound, () => Directory.LookupManyAsync(
            [("lead_organization.credit_code", fixture.OrgA), ("members[1].organization.credit_code", unknown),
             ("members[2].organization.credit_code", alsoUnknown)], CancellationToken.None));

        Assert.Contains($"members[1].organization.credit_code: organizations/{unknown} was not found", refused.Status.Detail, StringComparison.Ordinal);
        var info = refused.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("REFERENCE_NOT_FOUND", info.Reason);
        Assert.Equal("members[1].organization.credit_code,members[2].organization.credit_code", info.Metadata["field"]);
        await RegisterAsync("娄底新登记有限公司", "enterprise", code: unknown);
        Assert.Equal("娄底新登记有限公司", (await Directory.LookupAsync(unknown, "members[1].organization.credit_code", CancellationToken.None)).Name);
    }

    [Fact]
    public async Task InvalidCode_IsInvalidArgumentNamingTheField()
    {
        await GrpcAssert.InvalidFields(() => Directory.LookupManyAsync(
            [("employer.credit_code", "91431300MA4L3K7P3X"), ("college.credit_code", fixture.OrgB)], CancellationToken.None),
            "employer.credit_code");
    }

    [Fact]
    public async Task IdentityServiceDown_IsUnavailable()
    {
        await using var cutOff = await HostAsync($"http://127.0.0.1:{PostgresServer.FreePort()}");
        var directory = cutOff.Services.GetRequiredService<OrganizationDirectory>();
        var refused = await GrpcAssert.Status(StatusCode.Unavailable,
            () => directory.LookupAsync(fixture.OrgA, "employer.credit_code", CancellationToken.None));

        Assert.DoesNotContain("127.0.0.1", refused.Status.Detail, StringComparison.Ordinal);
    }
}
