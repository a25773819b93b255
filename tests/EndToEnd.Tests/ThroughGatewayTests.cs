using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Grpc.Core;

namespace Collaboration.EndToEnd.Tests;

public sealed class ThroughGatewayTests(PlatformFixture platform)
{
    private static CallOptions Deadline => new(deadline: DateTime.UtcNow.AddSeconds(30));

    [Fact]
    public async Task Grpc_ListsTheSeededAlliances()
    {
        var client = platform.Client<AllianceService.AllianceServiceClient>(await platform.AdminTokenAsync());

        var page = await client.ListAlliancesAsync(new ListAlliancesRequest { PageSize = 100 }, Deadline);

        Assert.True(page.Alliances.Count >= 5, $"expected the seeded alliances, got {page.Alliances.Count}");
        Assert.Contains(page.Alliances, a => a.State == Alliance.Types.State.Approved);
        Assert.Contains(page.Alliances, a => a.State == Alliance.Types.State.Draft);
    }

    [Fact]
    public async Task Grpc_CreateAndSubmit_ThroughTheGateway()
    {
        var client = platform.Client<AllianceService.AllianceServiceClient>(await platform.OwnerTokenAsync("alliance-lead"));

        var created = await client.CreateAllianceAsync(new CreateAllianceRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            Alliance = new Alliance
            {
                DisplayName = $"E2E alliance {Guid.NewGuid():N}",
                IndustryChain = "electronic-information",
                LeadOrganization = new Organization { Name = "E2E Electronics Co." },
            },
        }, Deadline);
        var submitted = await client.SubmitAllianceAsync(new SubmitAllianceRequest { Name = created.Name, Etag = created.Etag }, Deadline);

        Assert.Equal(Alliance.Types.State.Submitted, submitted.State);
    }

    [Fact]
    public async Task Grpc_WithoutToken_UnauthenticatedAtTheEdge()
    {
        var client = platform.Client<AllianceService.AllianceServiceClient>(null);
        var error = await Assert.ThrowsAsync<RpcException>(() => client.ListAlliancesAsync(new ListAlliancesRequest(), Deadline).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Json_ListsTheSeededAlliances_AndRefusesAnonymousCallers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/alliances?pageSize=100&state=APPROVED");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await platform.AdminTokenAsync());
        using var response = await platform.GatewayHttp.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var alliances = json.RootElement.GetProperty("alliances").EnumerateArray().ToList();
        Assert.NotEmpty(alliances);
        Assert.All(alliances, a => Assert.Equal("APPROVED", a.GetProperty("state").GetString()));

        using var anonymous = await platform.GatewayHttp.GetAsync("/v1/alliances", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
