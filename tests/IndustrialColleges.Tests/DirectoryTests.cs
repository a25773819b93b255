using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Grpc.Core;

namespace Collaboration.IndustrialColleges.Tests;

/// <summary>
/// The organisations a college stores are the directory's: the host and each partner are looked up by credit code when
/// written, their name and kind are the registered ones whatever the caller typed, an unknown code is NOT_FOUND naming the
/// request field and writes nothing, and the kind rules (a college hosts, enterprises partner) read the registered kind.
/// </summary>
public sealed class DirectoryTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private Task<long> CollegesHostedByAsync(string code) =>
        fixture.ScalarAsync("SELECT count(*) FROM industrial_colleges WHERE host_code = @code", ("code", code));

    [Fact]
    public async Task CreateIndustrialCollege_HostNotRegistered_NotFoundNamingTheField_AndNothingWritten()
    {
        var unregistered = DirectoryServer.Unregistered();
        var client = _as.Client(Tokens.For(unregistered, "vocational_college"));

        await GrpcAssert.ReferencesNotFound(() =>
            client.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = Actors.NewCollege() }).ResponseAsync, "industrial_college.host_college.credit_code");

        Assert.Equal(0, await CollegesHostedByAsync(unregistered));
    }

    [Fact]
    public async Task CreateIndustrialCollege_TypedHostNameAndKind_Ignored_TheRegisteredOnesStored()
    {
        var code = await fixture.Directory.RegisterAsync(Organizations.NewCode("12"), "娄底测试职业技术学院", "vocational_college");
        var host = _as.Client(Tokens.For(code, "vocational_college"));
        var draft = Actors.NewCollege();
        draft.HostCollege = new Organization { CreditCode = code, Name = "A name the caller made up", Kind = OrganizationKind.Enterprise };

        var college = await host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = draft });

        Assert.Equal(new Organization { CreditCode = code, Name = "娄底测试职业技术学院", Kind = OrganizationKind.VocationalCollege }, college.HostCollege);
        Assert.Equal(college.HostCollege, (await _as.Admin.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).HostCollege);
    }

    [Fact]
    public async Task CreateIndustrialCollege_UniversityByRegistration_Hosts()
    {
        var university = await fixture.Directory.NewAsync("university");
        var college = await _as.Client(Tokens.For(university, "university")).CreateIndustrialCollegeAsync(
            new CreateIndustrialCollegeRequest { IndustrialCollege = Actors.NewCollege() });
        Assert.Equal(OrganizationKind.University, college.HostCollege.Kind);
    }

    [Fact]
    public async Task CreateIndustrialCollege_EnterpriseTypedAsVocationalCollege_CannotHost_AndNothingWritten()
    {
        // The request and even the token's org_kind say vocational college; the directory says enterprise, and decides.
        var enterprise = await fixture.Directory.NewAsync("enterprise");
        var client = _as.Client(Tokens.For(enterprise, "vocational_college"));
        var draft = Actors.NewCollege();
        draft.HostCollege = new Organization { CreditCode = enterprise, Name = "假冒职业技术学院", Kind = OrganizationKind.VocationalCollege };

        var error = await GrpcAssert.Status(StatusCode.PermissionDenied, () =>
            client.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = draft }).ResponseAsync);

        Assert.Contains("enterprise", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await CollegesHostedByAsync(enterprise));
    }

    [Fact]
    public async Task CreateIndustrialCollege_RegisteredCollegeWithAnEnterpriseToken_Hosts()
    {
        // The converse: a token whose org_kind claim is wrong does not stop a registered college.
        var college = await _as.Client(Tokens.For(_as.College, "enterprise")).CreateIndustrialCollegeAsync(
            new CreateIndustrialCollegeRequest { IndustrialCollege = Actors.NewCollege() });
        Assert.Equal(OrganizationKind.VocationalCollege, college.HostCollege.Kind);
    }

    [Fact]
    public async Task AddPartner_NotRegistered_NotFoundNamingTheField_AndNothingWritten()
    {
        var college = await _as.CreateAsync();

        await GrpcAssert.ReferencesNotFound(() => _as.InviteAsync(college, DirectoryServer.Unregistered()), "partner.organization.credit_code");

        Assert.Empty((await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name, ShowRemoved = true })).Partners);
        Assert.Equal(college.Etag, (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).Etag);
    }

    [Theory]
    [InlineData("university")]
    [InlineData("vocational_college")]
    [InlineData("research_institute")]
    public async Task AddPartner_RegisteredAsNoEnterprise_TypedAsOne_InvalidArgumentNamingTheCode_AndNothingWritten(string kind)
    {
        var college = await _as.CreateAsync();
        var code = await fixture.Directory.NewAsync(kind);

        var badRequest = await GrpcAssert.InvalidFields(() => _as.Host.AddPartnerAsync(new AddPartnerRequest
        {
            Parent = college.Name,
            Partner = new Partner
            {
                Organization = new Organization { CreditCode = code, Name = "Typed as an enterprise", Kind = OrganizationKind.Enterprise },
                Role = Partner.Types.Role.Partner,
            },
        }).ResponseAsync, "partner.organization.credit_code");

        Assert.Contains(kind, badRequest.FieldViolations[0].Description, StringComparison.Ordinal);
        Assert.Empty((await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name, ShowRemoved = true })).Partners);
        Assert.Equal(college.Etag, (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).Etag);
    }

    [Fact]
    public async Task AddPartner_TypedNameAndKind_Ignored_TheRegisteredOnesStored()
    {
        var college = await _as.CreateAsync();
        var code = await fixture.Directory.RegisterAsync(Organizations.NewCode("91"), "娄底测试钢铁有限公司", "enterprise");

        var invited = await _as.Host.AddPartnerAsync(new AddPartnerRequest
        {
            Parent = college.Name,
            Partner = new Partner
            {
                Organization = new Organization { CreditCode = code, Name = "Typed name", Kind = OrganizationKind.University },
                Role = Partner.Types.Role.FoundingPartner,
            },
        });

        var registered = new Organization { CreditCode = code, Name = "娄底测试钢铁有限公司", Kind = OrganizationKind.Enterprise };
        Assert.Equal(registered, invited.Organization);
        var accepted = await _as.Enterprise(code).AcceptPartnerAsync(new AcceptPartnerRequest { Name = invited.Name });
        Assert.Equal(registered, accepted.Organization);
        Assert.Equal(registered, Assert.Single((await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name })).Partners).Organization);
    }

    [Fact]
    public async Task AddPartner_InvalidCode_InvalidArgument_NotALookup()
    {
        var college = await _as.CreateAsync();
        var code = _as.PartnerA[..17] + (_as.PartnerA[17] == '0' ? '1' : '0');
        await GrpcAssert.InvalidFields(() => _as.InviteAsync(college, code), "partner.organization.credit_code");
    }
}
