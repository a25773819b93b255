using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Collaboration.Alliances.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Collaboration.Alliances.Tests;

/// <summary>The shared request check as a user meets it here: unstorable text and unknown industry chains are refused.</summary>
public sealed class TextAndChainTests(AlliancesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private async Task<long> AuditEntriesByAsync(string organization)
    {
        await using var connection = new NpgsqlConnection(fixture.Postgres.ConnectionString("alliances"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM audit_entries WHERE actor_organization = @org", connection);
        command.Parameters.AddWithValue("org", organization);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    [Fact]
    public async Task CreateAlliance_NulInDisplayName_InvalidArgumentNamingTheFieldNothingWritten()
    {
        var alliance = Actors.NewAlliance();
        alliance.DisplayName = "Test\0alliance";
        alliance.CharterSummary = "Line one\nline two\ttabbed."; // line breaks and tabs are text

        var refused = await GrpcAssert.InvalidFields(() => _as.Lead.CreateAllianceAsync(new CreateAllianceRequest { Alliance = alliance }).ResponseAsync,
            "alliance.display_name");

        Assert.Contains("NUL", refused.FieldViolations[0].Description, StringComparison.Ordinal);
        Assert.Equal(0, await AuditEntriesByAsync(_as.Enterprise));
        alliance.DisplayName = "Test alliance " + Guid.NewGuid().ToString("N");
        await _as.Lead.CreateAllianceAsync(new CreateAllianceRequest { Alliance = alliance });
        Assert.Equal(1, await AuditEntriesByAsync(_as.Enterprise));
    }

    [Fact]
    public async Task AllianceMethods_NoSuchChain_InvalidArgumentNamingTheField()
    {
        await GrpcAssert.InvalidFields(() => _as.Lead.CreateAllianceAsync(new CreateAllianceRequest { Alliance = Actors.NewAlliance(chain: "no-such-chain") }).ResponseAsync,
            "alliance.industry_chain");
        await GrpcAssert.InvalidFields(() => _as.Lead.ListAlliancesAsync(new ListAlliancesRequest { IndustryChain = "no-such-chain" }).ResponseAsync,
            "industry_chain");
        var alliance = await _as.CreateAsync();
        await GrpcAssert.InvalidFields(() => _as.Lead.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = alliance.Name, IndustryChain = "no-such-chain" },
            UpdateMask = new FieldMask { Paths = { "industry_chain" } },
        }).ResponseAsync, "alliance.industry_chain");
        Assert.Equal(alliance.IndustryChain, (await _as.Lead.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).IndustryChain);
    }

    [Fact]
    public async Task Json_ControlCharacterInNestedText_400NamingTheField()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/alliances")
        {
            Content = new StringContent("""{"displayName":"JSON alliance","industryChain":"energy","leadOrganization":{"name":"Nul\u0000Co"}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.For(_as.Enterprise, "enterprise"));
        using var response = await fixture.Service.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"alliance.lead_organization.name\"", body, StringComparison.Ordinal);
        Assert.Contains("NUL", body, StringComparison.Ordinal);
        Assert.Equal(0, await AuditEntriesByAsync(_as.Enterprise));
    }
}
