using System.Net;
using System.Net.Http.Json;
using Collaboration.Identity.Endpoints;

namespace Collaboration.Identity.Tests;

public sealed class ManagementTests(IdentityFixture fixture)
{
    private async Task<HttpClient> AsAsync(string email) => fixture.Http((await fixture.SignInAsync(email)).AccessToken);

    [Fact]
    public async Task Api_WithoutToken_Is401()
    {
        using var http = fixture.Http();

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/grants")).StatusCode);
    }

    [Fact]
    public async Task Owner_InvitesAPerson_WhoAcceptsAndSignsIn_Audited()
    {
        using var owner = await AsAsync("owner@c.test");
        var email = $"new-{Guid.NewGuid():N}@c.test";

        var invitation = await IdentityFixture.ReadAsync<InvitationView>(await owner.PostAsJsonAsync("/api/users", new InviteUserRequest(email, "editor", null)));
        using var anonymous = fixture.Http();
        var accepted = await anonymous.PostAsJsonAsync("/account/invitation", new AcceptInvitationRequest(email, invitation.InvitationCode, "a long enough password"));
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        var tokens = await fixture.SignInAsync(email, "a long enough password");

        var payload = IdentityFixture.Payload(tokens.AccessToken);
        Assert.Equal(fixture.OrgC, payload.GetProperty("org").GetString());
        Assert.Equal("editor", payload.GetProperty("role").GetString());
        var audit = await IdentityFixture.ReadAsync<List<AuditView>>(await owner.GetAsync("/api/audit"));
        Assert.Contains(audit, a => a.Action == "user.invited" && a.Target == email && a.Actor == "owner@c.test");
        var reused = await anonymous.PostAsJsonAsync("/account/invitation", new AcceptInvitationRequest(email, invitation.InvitationCode, "another long password"));
        Assert.Equal(HttpStatusCode.NotFound, reused.StatusCode);
    }

    [Theory]
    [InlineData("editor@a.test")]
    [InlineData("viewer@a.test")]
    public async Task NonOwner_CannotManagePeople_403(string email)
    {
        using var http = await AsAsync(email);

        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync("/api/users", new InviteUserRequest($"x-{Guid.NewGuid():N}@a.test", "viewer", null))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task Owner_CannotInviteAnAdminOrIntoAnotherOrganisation()
    {
        using var owner = await AsAsync("owner@c.test");

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync("/api/users", new InviteUserRequest($"x-{Guid.NewGuid():N}@c.test", "admin", null))).StatusCode);
        var invitation = await IdentityFixture.ReadAsync<InvitationView>(await owner.PostAsJsonAsync("/api/users",
            new InviteUserRequest($"x-{Guid.NewGuid():N}@c.test", "viewer", fixture.OrgA)));
        Assert.Equal(fixture.OrgC, invitation.User.Organization);
    }

    [Fact]
    public async Task Owner_CannotSeeOrChangeAnotherOrganisationsPeople_404()
    {
        using var admin = fixture.Http(await fixture.AdminTokenAsync());
        var people = await IdentityFixture.ReadAsync<List<UserView>>(await admin.GetAsync($"/api/users?organization={fixture.OrgA}"));
        var editorOfA = people.Single(u => u.Email == "editor@a.test");
        using var ownerOfC = await AsAsync("owner@c.test");

        Assert.Equal(HttpStatusCode.NotFound, (await ownerOfC.PatchAsJsonAsync($"/api/users/{editorOfA.Id}", new ChangeRoleRequest("viewer"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ownerOfC.DeleteAsync($"/api/users/{editorOfA.Id}")).StatusCode);
        var listed = await IdentityFixture.ReadAsync<List<UserView>>(await ownerOfC.GetAsync($"/api/users?organization={fixture.OrgA}"));
        Assert.DoesNotContain(listed, u => u.Organization != fixture.OrgC);
    }

    [Fact]
    public async Task Owner_ChangesARole_WhichTheNextRefreshCarries_ThenRemovesThePerson()
    {
        using var owner = await AsAsync("owner@c.test");
        var email = $"role-{Guid.NewGuid():N}@c.test";
        var invitation = await IdentityFixture.ReadAsync<InvitationView>(await owner.PostAsJsonAsync("/api/users", new InviteUserRequest(email, "editor", null)));
        using var anonymous = fixture.Http();
        await anonymous.PostAsJsonAsync("/account/invitation", new AcceptInvitationRequest(email, invitation.InvitationCode, "a long enough password"));
        var tokens = await fixture.SignInAsync(email, "a long enough password");

        var changed = await IdentityFixture.ReadAsync<UserView>(await owner.PatchAsJsonAsync($"/api/users/{invitation.User.Id}", new ChangeRoleRequest("viewer")));
        var refreshed = await IdentityFixture.ReadTokensAsync(await fixture.RefreshAsync(tokens.RefreshToken!));

        Assert.Equal("viewer", changed.Role);
        Assert.Equal("viewer", IdentityFixture.Payload(refreshed.AccessToken).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/users/{invitation.User.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.RefreshAsync(refreshed.RefreshToken!)).StatusCode);
        var audit = await IdentityFixture.ReadAsync<List<AuditView>>(await owner.GetAsync("/api/audit"));
        Assert.Contains(audit, a => a.Action == "user.role_changed" && a.Target == email && a.Detail == "editor -> viewer");
        Assert.Contains(audit, a => a.Action == "user.removed" && a.Target == email);
    }

    [Fact]
    public async Task Owner_CannotDemoteOrRemoveTheLastOwner()
    {
        using var admin = fixture.Http(await fixture.AdminTokenAsync());
        var ownerOfB = (await IdentityFixture.ReadAsync<List<UserView>>(await admin.GetAsync($"/api/users?organization={fixture.OrgB}")))
            .Single(u => u.Email == "owner@b.test");
        using var owner = await AsAsync("owner@b.test");

        Assert.Equal(HttpStatusCode.Conflict, (await owner.PatchAsJsonAsync($"/api/users/{ownerOfB.Id}", new ChangeRoleRequest("viewer"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.DeleteAsync($"/api/users/{ownerOfB.Id}")).StatusCode);
    }

    [Fact]
    public async Task Grant_IsEffectiveWhileGranted_NeverWider_GoneAfterRevocation_Audited()
    {
        var resource = $"cohorts/{Guid.NewGuid():N}";
        using var ownerA = await AsAsync("owner@a.test");
        using var ownerB = await AsAsync("owner@b.test");
        using var viewerB = await AsAsync("viewer@b.test");
        using var ownerC = await AsAsync("owner@c.test");

        var grant = await IdentityFixture.ReadAsync<GrantView>(await ownerA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(resource, fixture.OrgB, "editor")));

        Assert.Equal("editor", (await CheckAsync(ownerB, resource, fixture.OrgA)).EffectiveRole);
        Assert.Equal("viewer", (await CheckAsync(viewerB, resource, fixture.OrgA)).EffectiveRole);   // capped by the person's own role
        Assert.Null((await CheckAsync(ownerC, resource, fixture.OrgA)).EffectiveRole);                // another organisation
        Assert.Null((await CheckAsync(ownerB, resource + "x", fixture.OrgA)).EffectiveRole);          // another record
        Assert.Null((await CheckAsync(ownerB, resource, fixture.OrgC)).EffectiveRole);                // a record A does not own
        var ofC = await IdentityFixture.ReadAsync<List<GrantView>>(await ownerC.GetAsync($"/api/grants?resource={resource}"));
        Assert.Empty(ofC);

        var revoked = await IdentityFixture.ReadAsync<GrantView>(await ownerA.DeleteAsync($"/api/grants/{grant.Id}"));

        Assert.NotNull(revoked.RevokeTime);
        Assert.Null((await CheckAsync(ownerB, resource, fixture.OrgA)).EffectiveRole);
        var audit = await IdentityFixture.ReadAsync<List<AuditView>>(await ownerA.GetAsync("/api/audit"));
        Assert.Contains(audit, a => a.Action == "grant.created" && a.Target == resource && a.Actor == "owner@a.test");
        Assert.Contains(audit, a => a.Action == "grant.revoked" && a.Target == resource);
    }

    [Fact]
    public async Task Grant_OnlyTheGrantorsOwnerGrantsAndRevokes()
    {
        var resource = $"alliances/{Guid.NewGuid():N}";
        using var editorA = await AsAsync("editor@a.test");
        using var ownerA = await AsAsync("owner@a.test");
        using var ownerB = await AsAsync("owner@b.test");
        using var ownerC = await AsAsync("owner@c.test");

        Assert.Equal(HttpStatusCode.Forbidden, (await editorA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(resource, fixture.OrgB, "editor"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ownerA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(resource, fixture.OrgB, "owner"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ownerA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(resource, fixture.OrgA, "viewer"))).StatusCode);
        var grant = await IdentityFixture.ReadAsync<GrantView>(await ownerA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(resource, fixture.OrgB, "viewer")));
        Assert.Equal(HttpStatusCode.Conflict, (await ownerA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(resource, fixture.OrgB, "editor"))).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await ownerB.DeleteAsync($"/api/grants/{grant.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ownerC.DeleteAsync($"/api/grants/{grant.Id}")).StatusCode);
        Assert.Equal("viewer", (await CheckAsync(ownerB, resource, fixture.OrgA)).EffectiveRole);
    }

    [Fact]
    public async Task ReceivedGrants_ListWhatTheCallersOrganisationHoldsInOneCollection_CappedByRole_GoneOnRevocation()
    {
        using var ownerA = await AsAsync("owner@a.test");
        using var ownerB = await AsAsync("owner@b.test");
        using var viewerB = await AsAsync("viewer@b.test");
        using var ownerC = await AsAsync("owner@c.test");
        var (toB, otherCollection, fromC, toC) = ($"labs/{Guid.NewGuid()}", $"alliances/{Guid.NewGuid()}", $"labs/{Guid.NewGuid()}", $"labs/{Guid.NewGuid()}");

        var grant = await IdentityFixture.ReadAsync<GrantView>(await ownerA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(toB, fixture.OrgB, "editor")));
        await ownerA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(otherCollection, fixture.OrgB, "editor"));
        await ownerC.PostAsJsonAsync("/api/grants", new CreateGrantRequest(fromC, fixture.OrgB, "viewer"));
        await ownerA.PostAsJsonAsync("/api/grants", new CreateGrantRequest(toC, fixture.OrgC, "viewer"));

        var ofB = await ReceivedAsync(ownerB, "labs");
        Assert.Contains(new ReceivedGrantView(toB, fixture.OrgA, "editor"), ofB);
        Assert.Contains(new ReceivedGrantView(fromC, fixture.OrgC, "viewer"), ofB);
        Assert.DoesNotContain(ofB, g => g.Resource == otherCollection || g.Resource == toC);
        Assert.Contains(new ReceivedGrantView(toB, fixture.OrgA, "viewer"), await ReceivedAsync(viewerB, "labs"));   // capped by the person's role
        Assert.DoesNotContain(await ReceivedAsync(ownerC, "labs"), g => g.Resource == toB);
        Assert.Equal(HttpStatusCode.BadRequest, (await ownerB.GetAsync("/api/grants/received?collection=labs/x")).StatusCode);

        await ownerA.DeleteAsync($"/api/grants/{grant.Id}");
        Assert.DoesNotContain(await ReceivedAsync(ownerB, "labs"), g => g.Resource == toB);
    }

    private static async Task<List<ReceivedGrantView>> ReceivedAsync(HttpClient http, string collection) =>
        await IdentityFixture.ReadAsync<List<ReceivedGrantView>>(await http.GetAsync($"/api/grants/received?collection={collection}"));

    private static Task<GrantCheckView> CheckAsync(HttpClient http, string resource, string owner) =>
        http.GetAsync($"/api/grants/check?resource={Uri.EscapeDataString(resource)}&owner={owner}").ContinueWith(t => IdentityFixture.ReadAsync<GrantCheckView>(t.Result)).Unwrap();
}
