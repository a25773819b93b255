using Collaboration.Alliances.Grpc;
using Collaboration.Alliances.V1;
using Collaboration.Shared.Hosting;
using Collaboration.TestSupport;
using Grpc.Core;

namespace Collaboration.Alliances.Tests;

/// <summary>A replica whose database goes away answers UNAVAILABLE (retryable) and says nothing about its insides.</summary>
public sealed class OutageTests(AlliancesFixture fixture)
{
    [Fact]
    public async Task DatabaseDown_ReadsAndWritesUnavailable_WithoutInternals()
    {
        // Its own PostgreSQL: stopping the assembly's shared server would fail the tests running beside this one.
        var postgres = await PostgresServer.StartAsync();
        await using var service = await ServiceHost.StartAsync(b => b.AddAllianceServices(), a => a.MapCollaborationService<AlliancesGrpcService>(),
            new Dictionary<string, string?>(fixture.Directory.Settings) { ["ConnectionStrings:alliancesdb"] = postgres.ConnectionString("alliances") });
        var lead = await fixture.Directory.NewAsync("enterprise");
        var client = service.Client<AllianceService.AllianceServiceClient>(Tokens.For(lead, "enterprise"));
        var created = await client.CreateAllianceAsync(new CreateAllianceRequest
        {
            Alliance = new Alliance
            {
                DisplayName = $"Outage alliance {Guid.NewGuid():N}",
                IndustryChain = "energy",
                LeadOrganization = new Common.V1.Organization { Name = "Outage Energy Co." },
            },
        });

        await postgres.DisposeAsync();
        var read = await Assert.ThrowsAsync<RpcException>(() => client.GetAllianceAsync(new GetAllianceRequest { Name = created.Name }).ResponseAsync);
        var write = await Assert.ThrowsAsync<RpcException>(() => client.CreateAllianceAsync(new CreateAllianceRequest
        {
            Alliance = new Alliance
            {
                DisplayName = $"Written during the outage {Guid.NewGuid():N}",
                IndustryChain = "energy",
                LeadOrganization = new Common.V1.Organization { Name = "Outage Energy Co." },
            },
        }).ResponseAsync);

        foreach (var error in new[] { read, write })
        {
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            Assert.DoesNotContain("Npgsql", error.Status.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ", error.Status.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", error.Status.Detail, StringComparison.Ordinal);
        }
    }
}
