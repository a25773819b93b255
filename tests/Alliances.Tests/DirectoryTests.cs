using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Tests;

/// <summary>Organisations are the directory's facts: a code it does not know is refused, a typed name or kind is ignored.</summary>
public sealed class DirectoryTests(AlliancesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private async Task<long> RowsNamingAsync(string code)
    {
        await using var connection = new NpgsqlConnection(fixture.Postgres.ConnectionString("alliances"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM alliances WHERE lead_code = @code) + (SELECT count(*) FROM alliance_members WHERE credit_code = @code)", connection);
        command.Parameters.AddWithValue("code", code);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    [Fact]
    public async Task CreateAlliance_LeadNotInTheDirectory_NotFoundNamingTheField_NothingWritten()
    {
        var unregistered = DirectoryServer.Unregistered();
        var client = _as.As(unregistered, "enterprise");

        await GrpcAssert.ReferencesNotFound(() => client.CreateAllianceAsync(new CreateAllianceRequest { Alliance = Actors.NewAlliance() }).ResponseAsync,
            "alliance.lead_organization.credit_code");

        Assert.Equal(0, await RowsNamingAsync(unregistered));
    }

    [Fact]
    public async Task CreateAlliance_LeadNameAndKind_AreTheDirectorys()
    {
        var lead = await fixture.Directory.NewAsync("enterprise", "湖南冷水江钢铁有限公司");
        var request = new CreateAllianceRequest { Alliance = Actors.NewAlliance() };
        request.Alliance.LeadOrganization = new Organization { Name = "Typed Name Co.", Kind = OrganizationKind.University };

        var alliance = await _as.As(lead, "enterprise").CreateAllianceAsync(request);

        Assert.Equal("湖南冷水江钢铁有限公司", alliance.LeadOrganization.Name);
        Assert.Equal(OrganizationKind.Enterprise, alliance.LeadOrganization.Kind);
        var member = Assert.Single((await _as.Admin.ListMembersAsync(new ListMembersRequest { Parent = alliance.Name })).Members);
        Assert.Equal("湖南冷水江钢铁有限公司", member.Organization.Name);
    }

    [Fact]
    public async Task CreateAlliance_LeadRegisteredAsAUniversity_FailedPrecondition()
    {
        // The token says enterprise; the register says otherwise, and the register decides.
        var university = await fixture.Directory.NewAsync("university");

        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.As(university, "enterprise").CreateAllianceAsync(
            new CreateAllianceRequest { Alliance = Actors.NewAlliance() }).ResponseAsync);

        Assert.Equal("LEAD_NOT_ENTERPRISE", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Equal(0, await RowsNamingAsync(university));
    }

    [Fact]
    public async Task AddMember_OrganisationNotInTheDirectory_NotFoundNamingTheField_NothingWritten()
    {
        var alliance = await _as.CreateAsync();
        var before = await _as.Admin.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name });
        var unregistered = DirectoryServer.Unregistered();

        await GrpcAssert.ReferencesNotFound(() => _as.InviteAsync(alliance, unregistered), "member.organization.credit_code");

        Assert.Equal(0, await RowsNamingAsync(unregistered));
        Assert.Equal(before, await _as.Admin.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name }));
    }

    [Fact]
    public async Task AddMember_EnterpriseTypedAsUniversity_StaysAnEnterprise_AndCannotSatisfyApproval()
    {
        var alliance = await _as.CreateAsync();
        var disguised = await fixture.Directory.NewAsync("enterprise", "Loudi Forging Co.");

        var invited = await _as.Lead.AddMemberAsync(new AddMemberRequest
        {
            Parent = alliance.Name,
            Member = new Member
            {
                Organization = new Organization { CreditCode = disguised, Name = "Loudi University of Forging", Kind = OrganizationKind.University },
                Role = Member.Types.Role.ViceChair,
            },
        });
        await _as.As(disguised, "enterprise").AcceptMemberAsync(new AcceptMemberRequest { Name = invited.Name });

        Assert.Equal(OrganizationKind.Enterprise, invited.Organization.Kind);
        Assert.Equal("Loudi Forging Co.", invited.Organization.Name);
        await _as.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });
        var refused = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name }).ResponseAsync);
        Assert.Contains("university or research institute", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(State.Submitted, (await _as.Admin.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).State);
    }
}
