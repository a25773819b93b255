using Collaboration.Common.V1;
using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using Kind = Collaboration.Labs.V1.Lab.Types.Kind;
using PostState = Collaboration.Labs.V1.Post.Types.State;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

/// <summary>
/// Every organisation Labs stores — a platform's host, a partner, a post's appointee's home organisation, the
/// organisation a post without a platform belongs to — is a credit code the directory knows, stored with the
/// directory's name and kind whatever the caller typed; an unknown code is NOT_FOUND naming the request field
/// and writes nothing.
/// </summary>
public sealed class DirectoryTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private Task<long> RowsOfAsync(string code) => fixture.ScalarAsync(
        """
        SELECT (SELECT count(*) FROM labs WHERE host_code = @code)
             + (SELECT count(*) FROM lab_partners WHERE credit_code = @code)
             + (SELECT count(*) FROM posts WHERE org_code = @code OR home_code = @code)
             + (SELECT count(*) FROM audit_entries WHERE actor LIKE '%' || @code OR detail LIKE '%' || @code || '%')
        """, new { code });

    [Fact]
    public async Task CreateLab_HostNotRegistered_NotFoundNamingTheField_NothingWritten()
    {
        var unregistered = DirectoryServer.Unregistered();
        var host = _as.As(unregistered, "enterprise");

        await GrpcAssert.ReferencesNotFound(() => host.CreateLabAsync(new CreateLabRequest { Lab = Actors.NewLab() }).ResponseAsync, "lab.host_organization.credit_code");
        var lab = Actors.NewLab();
        lab.HostOrganization.CreditCode = unregistered;
        await GrpcAssert.ReferencesNotFound(() => host.CreateLabAsync(new CreateLabRequest { Lab = lab }).ResponseAsync, "lab.host_organization.credit_code");

        Assert.Equal(0, await RowsOfAsync(unregistered));
    }

    [Fact]
    public async Task CreateLab_TypedHostNameAndKind_Ignored_RegisteredKindDecidesWhoMayHost()
    {
        var lab = Actors.NewLab();
        lab.HostOrganization = new Organization { Name = "Typed Research University", Kind = OrganizationKind.University };

        var created = await _as.Host.CreateLabAsync(new CreateLabRequest { Lab = lab });

        Assert.Equal(OrganizationKind.Enterprise, created.HostOrganization.Kind);
        Assert.Equal($"enterprise {_as.Enterprise[^6..]}", created.HostOrganization.Name);

        // A university typing ENTERPRISE is still a university: no enterprise technology centre.
        var typed = Actors.NewLab(Kind.EnterpriseTechnologyCenter);
        typed.HostOrganization = new Organization { Name = "Typed Steel Co.", Kind = OrganizationKind.Enterprise };
        await GrpcAssert.InvalidFields(() => _as.UniversityClient.CreateLabAsync(new CreateLabRequest { Lab = typed }).ResponseAsync, "lab.kind");
        Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM labs WHERE host_code = @code", new { code = _as.University }));
    }

    [Fact]
    public async Task AddLabPartner_NotRegistered_NotFoundNamingTheField_NothingWritten()
    {
        var lab = await _as.CreateAsync();
        var unregistered = DirectoryServer.Unregistered();

        await GrpcAssert.ReferencesNotFound(() => _as.InviteAsync(lab, unregistered), "partner.organization.credit_code");

        Assert.Empty((await _as.Host.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name, ShowLeft = true })).Partners);
        Assert.Equal(lab.Etag, (await _as.GetAsync(lab)).Etag);
        Assert.Equal(0, await RowsOfAsync(unregistered));
    }

    [Fact]
    public async Task AddLabPartner_TypedNameAndKind_Ignored()
    {
        var lab = await _as.CreateAsync();
        var partner = await _as.Host.AddLabPartnerAsync(new AddLabPartnerRequest
        {
            Parent = lab.Name,
            Partner = new Partner { Organization = new Organization { CreditCode = _as.OtherEnterprise, Name = "Typed University", Kind = OrganizationKind.University } },
        });

        Assert.Equal(OrganizationKind.Enterprise, partner.Organization.Kind);
        Assert.Equal($"enterprise {_as.OtherEnterprise[^6..]}", partner.Organization.Name);
        var listed = Assert.Single((await _as.Host.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name })).Partners);
        Assert.Equal(partner.Organization, listed.Organization);
    }

    [Fact]
    public async Task FillLabPost_HomeNotRegistered_NotFoundNamingTheField_PostStaysOpen_TypedNameAndKindIgnored()
    {
        var lab = await _as.CreateAsync();
        var post = await _as.Host.CreateLabPostAsync(new CreateLabPostRequest { Parent = lab.Name, Post = PostTests.NewPost() });
        var unregistered = DirectoryServer.Unregistered();

        await GrpcAssert.ReferencesNotFound(
            () => _as.Host.FillLabPostAsync(new FillLabPostRequest { Name = post.Name, Appointment = PostTests.Appointment(unregistered) }).ResponseAsync,
            "appointment.home_organization.credit_code");
        var unchanged = Assert.Single((await _as.Host.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab.Name })).Posts);
        Assert.Equal(post, unchanged);
        Assert.Equal(0, await RowsOfAsync(unregistered));

        // PostTests.Appointment types the home organisation as "Test University", a university; the enterprise stays itself.
        var filled = await _as.Host.FillLabPostAsync(new FillLabPostRequest { Name = post.Name, Appointment = PostTests.Appointment(_as.OtherEnterprise) });
        Assert.Equal(PostState.Filled, filled.State);
        Assert.Equal(OrganizationKind.Enterprise, filled.Appointment.HomeOrganization.Kind);
        Assert.Equal($"enterprise {_as.OtherEnterprise[^6..]}", filled.Appointment.HomeOrganization.Name);
    }

    [Fact]
    public async Task FillOrganizationPost_HomeNotRegistered_NotFoundNamingTheField_TypedNameAndKindIgnored()
    {
        var post = await _as.Host.CreateOrganizationPostAsync(new CreateOrganizationPostRequest { Parent = $"organizations/{_as.Enterprise}", Post = PostTests.NewPost() });
        var unregistered = DirectoryServer.Unregistered();

        await GrpcAssert.ReferencesNotFound(
            () => _as.Host.FillOrganizationPostAsync(new FillOrganizationPostRequest { Name = post.Name, Appointment = PostTests.Appointment(unregistered) }).ResponseAsync,
            "appointment.home_organization.credit_code");
        Assert.Equal(post, await _as.Host.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = post.Name }));

        var filled = await _as.Host.FillOrganizationPostAsync(new FillOrganizationPostRequest { Name = post.Name, Appointment = PostTests.Appointment(_as.OtherEnterprise) });
        Assert.Equal(OrganizationKind.Enterprise, filled.Appointment.HomeOrganization.Kind);
        Assert.Equal($"enterprise {_as.OtherEnterprise[^6..]}", filled.Appointment.HomeOrganization.Name);
    }

    [Fact]
    public async Task CreateOrganizationPost_OrganizationNotRegistered_NotFoundNamingTheParent_NothingWritten()
    {
        var unregistered = DirectoryServer.Unregistered();
        var owner = _as.As(unregistered, "enterprise");

        await GrpcAssert.ReferencesNotFound(() => owner.CreateOrganizationPostAsync(
            new CreateOrganizationPostRequest { Parent = $"organizations/{unregistered}", Post = PostTests.NewPost() }).ResponseAsync, "parent");

        Assert.Equal(0, await RowsOfAsync(unregistered));
        Assert.Empty((await _as.Admin.ListOrganizationPostsAsync(new ListOrganizationPostsRequest { Parent = $"organizations/{unregistered}" })).Posts);
    }

    [Fact]
    public async Task StoredNames_AreTheDirectorys_ForEveryLinkOfAPlatform()
    {
        var lab = await _as.OperatingAsync();
        await _as.AddUniversityAsync(lab);
        var read = await _as.Other.GetLabAsync(new GetLabRequest { Name = lab.Name });
        Assert.Equal(State.Operating, read.State);
        Assert.Equal($"enterprise {_as.Enterprise[^6..]}", read.HostOrganization.Name);
        var partner = Assert.Single((await _as.Other.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name })).Partners);
        Assert.Equal(new Organization { CreditCode = _as.University, Name = $"university {_as.University[^6..]}", Kind = OrganizationKind.University }, partner.Organization);
    }
}
