using Collaboration.Common.V1;
using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Google.Rpc;
using Grpc.Core;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

/// <summary>
/// A partner is invited and becomes one only when its own owner or editor accepts: nobody answers for another
/// organisation (not the host, not an admin, not its viewers). The host withdraws an invitation or removes a
/// partner, the partner leaves; only ACTIVE partners count, and an invited organisation reads what it is invited to.
/// </summary>
public sealed class PartnerConsentTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private async Task<Partner> PartnerAsync(Lab lab, Partner partner) =>
        (await _as.Admin.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name, ShowLeft = true })).Partners.Single(p => p.Name == partner.Name);

    private async Task<List<string>> InvitationsAsync(LabService.LabServiceClient client) =>
        [.. (await client.ListLabsAsync(new ListLabsRequest { InvitationsForMe = true, PageSize = 200 })).Labs.Select(l => l.Name)];

    private async Task<List<string>> WithActivePartnerAsync(string partner) =>
        [.. (await _as.Admin.ListLabsAsync(new ListLabsRequest { PartnerCreditCode = partner, PageSize = 200 })).Labs.Select(l => l.Name)];

    private async Task<List<string>> AuditAsync(Lab lab) =>
        [.. (await _as.Admin.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = lab.Name, PageSize = 200 })).AuditEntries
            .Where(e => e.Resource.Contains("/partners/", StringComparison.Ordinal)).Select(e => $"{e.Action} {e.FromState}→{e.ToState}")];

    [Fact]
    public async Task Invite_AwaitsTheAnswer_CountsForNothing_UntilTheInvitedOrganisationAccepts()
    {
        var lab = await _as.CreateAsync();
        var invited = await _as.InviteUniversityAsync(lab);

        Assert.Equal(LinkState.Invited, invited.State);
        Assert.Null(invited.JoinedDate);
        Assert.Null(invited.AnswerTime);
        Assert.Equal(0, (await _as.GetAsync(lab)).PartnerCount);
        Assert.DoesNotContain(lab.Name, await WithActivePartnerAsync(_as.University));
        // The invited organisation finds the invitation and reads what it is invited to, a draft included; nobody else is invited.
        Assert.Contains(lab.Name, await InvitationsAsync(_as.UniversityClient));
        Assert.DoesNotContain(lab.Name, await InvitationsAsync(_as.Other));
        Assert.DoesNotContain(lab.Name, await InvitationsAsync(_as.Host));
        Assert.Equal(State.Draft, (await _as.UniversityClient.GetLabAsync(new GetLabRequest { Name = lab.Name })).State);
        Assert.Equal(invited, Assert.Single((await _as.UniversityViewer.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name })).Partners));

        var accepted = await _as.UniversityEditor.AcceptLabPartnerAsync(new AcceptLabPartnerRequest { Name = invited.Name });

        Assert.Equal(LinkState.Active, accepted.State);
        Assert.NotNull(accepted.AnswerTime);
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        Assert.Equal(new Google.Type.Date { Year = today.Year, Month = today.Month, Day = today.Day }, accepted.JoinedDate);
        Assert.Equal(1, (await _as.GetAsync(lab)).PartnerCount);
        Assert.Contains(lab.Name, await WithActivePartnerAsync(_as.University));
        Assert.DoesNotContain(lab.Name, await InvitationsAsync(_as.UniversityClient));
        // Accepting does not hide the draft the partner just agreed to join; an outsider still finds nothing.
        Assert.Equal(State.Draft, (await _as.UniversityClient.GetLabAsync(new GetLabRequest { Name = lab.Name })).State);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.GetLabAsync(new GetLabRequest { Name = lab.Name }).ResponseAsync);
        Assert.Equal(["AddLabPartner →Invited", "AcceptLabPartner Invited→Active"], await AuditAsync(lab));
    }

    [Fact]
    public async Task Invite_JoinedDateGivenByTheHost_KeptOnAcceptance()
    {
        var lab = await _as.CreateAsync();
        var date = new Google.Type.Date { Year = 2022, Month = 3, Day = 1 };
        var invited = await _as.Host.AddLabPartnerAsync(new AddLabPartnerRequest
        {
            Parent = lab.Name,
            Partner = new Partner { Organization = new Organization { CreditCode = _as.University }, JoinedDate = date },
        });
        Assert.Equal(date, invited.JoinedDate);
        Assert.Equal(date, (await _as.UniversityClient.AcceptLabPartnerAsync(new AcceptLabPartnerRequest { Name = invited.Name })).JoinedDate);
    }

    [Fact]
    public async Task Accept_NobodyButTheInvitedOrganisationsOwnerOrEditor_AndNothingChanges()
    {
        var lab = await _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = (await _as.CreateAsync()).Name });
        var invited = await _as.InviteUniversityAsync(lab);
        var accept = new AcceptLabPartnerRequest { Name = invited.Name };
        var decline = new DeclineLabPartnerRequest { Name = invited.Name, Reason = "Answered for them." };

        foreach (var (who, client) in new[] { ("the host's owner", _as.Host), ("an admin", _as.Admin), ("the university's viewer", _as.UniversityViewer) })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => client.AcceptLabPartnerAsync(accept).ResponseAsync);
            Assert.True(error.StatusCode == StatusCode.PermissionDenied, $"{who} accepting: {error.StatusCode}");
            error = await Assert.ThrowsAsync<RpcException>(() => client.DeclineLabPartnerAsync(decline).ResponseAsync);
            Assert.True(error.StatusCode == StatusCode.PermissionDenied, $"{who} declining: {error.StatusCode}");
        }
        // Another organisation does not even see the application.
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Other.AcceptLabPartnerAsync(accept).ResponseAsync);

        Assert.Equal(invited, await PartnerAsync(lab, invited));
        Assert.Equal(0, (await _as.GetAsync(lab)).PartnerCount);
        Assert.Equal(["AddLabPartner →Invited"], await AuditAsync(lab));
    }

    [Fact]
    public async Task Decline_NeedsAReason_EndsTheInvitation_AndTheOrganisationLosesSight()
    {
        var lab = await _as.CreateAsync();
        var invited = await _as.InviteUniversityAsync(lab);

        await GrpcAssert.InvalidFields(() => _as.UniversityClient.DeclineLabPartnerAsync(new DeclineLabPartnerRequest { Name = invited.Name }).ResponseAsync, "reason");
        await GrpcAssert.InvalidFields(() => _as.UniversityClient.DeclineLabPartnerAsync(
            new DeclineLabPartnerRequest { Name = invited.Name, Reason = new string('不', 501) }).ResponseAsync, "reason");
        Assert.Equal(LinkState.Invited, (await PartnerAsync(lab, invited)).State);

        var declined = await _as.UniversityEditor.DeclineLabPartnerAsync(new DeclineLabPartnerRequest { Name = invited.Name, Reason = "No capacity this year." });

        Assert.Equal(LinkState.Declined, declined.State);
        Assert.Equal("No capacity this year.", declined.DeclineReason);
        Assert.NotNull(declined.AnswerTime);
        Assert.Equal(0, (await _as.GetAsync(lab)).PartnerCount);
        Assert.Empty((await _as.Host.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name })).Partners);
        Assert.Equal(declined, Assert.Single((await _as.Host.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name, ShowLeft = true })).Partners));
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.UniversityClient.GetLabAsync(new GetLabRequest { Name = lab.Name }).ResponseAsync);
        Assert.DoesNotContain(lab.Name, await InvitationsAsync(_as.UniversityClient));

        // An ended link does not block a new invitation, which awaits a new answer.
        var again = await _as.InviteUniversityAsync(lab);
        Assert.NotEqual(invited.Name, again.Name);
        Assert.Equal(LinkState.Invited, again.State);
        Assert.Equal(["AddLabPartner →Invited", "DeclineLabPartner Invited→Declined", "AddLabPartner →Invited"], await AuditAsync(lab));
    }

    [Fact]
    public async Task AnsweredOrWithdrawn_CannotBeAnsweredAgain_FailedPrecondition()
    {
        var lab = await _as.OperatingAsync();
        var invited = await _as.InviteUniversityAsync(lab);
        await _as.UniversityClient.AcceptLabPartnerAsync(new AcceptLabPartnerRequest { Name = invited.Name });
        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => _as.UniversityClient.DeclineLabPartnerAsync(new DeclineLabPartnerRequest { Name = invited.Name, Reason = "Changed our mind." }).ResponseAsync);
        Assert.Equal("INVALID_STATE", error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        Assert.Contains("Active", error.Status.Detail, StringComparison.Ordinal);

        // A withdrawn invitation on a public platform (the organisation still reads it) cannot be accepted.
        var other = await _as.Directory.NewAsync("research_institute");
        var withdrawn = await _as.InviteAsync(lab, other);
        withdrawn = await _as.Host.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = withdrawn.Name });
        Assert.Equal(LinkState.Withdrawn, withdrawn.State);
        await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => _as.As(other, "research_institute").AcceptLabPartnerAsync(new AcceptLabPartnerRequest { Name = withdrawn.Name }).ResponseAsync);
        Assert.Equal(1, (await _as.GetAsync(lab)).PartnerCount);
    }

    [Fact]
    public async Task Withdraw_ByTheHost_NoLeftDate_InvitedCannotWithdrawItself()
    {
        var lab = await _as.CreateAsync();
        var invited = await _as.InviteUniversityAsync(lab);

        // The invited organisation answers with Decline; "remove" is not its way to say no.
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.UniversityClient.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = invited.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.HostViewer.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = invited.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = invited.Name }).ResponseAsync);
        await GrpcAssert.InvalidFields(() => _as.Host.RemoveLabPartnerAsync(new RemoveLabPartnerRequest
        {
            Name = invited.Name, LeftDate = new Google.Type.Date { Year = 2030, Month = 1, Day = 1 },
        }).ResponseAsync, "left_date");
        Assert.Equal(LinkState.Invited, (await PartnerAsync(lab, invited)).State);

        var withdrawn = await _as.Host.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = invited.Name });

        Assert.Equal(LinkState.Withdrawn, withdrawn.State);
        Assert.Null(withdrawn.LeftDate);
        Assert.Null(withdrawn.AnswerTime);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.UniversityClient.GetLabAsync(new GetLabRequest { Name = lab.Name }).ResponseAsync);
        Assert.Equal(["AddLabPartner →Invited", "RemoveLabPartner Invited→Withdrawn"], await AuditAsync(lab));
    }

    [Fact]
    public async Task Leave_ByThePartnersOwnOwnerOrEditor_OnADate_NotByItsViewer()
    {
        var lab = await _as.OperatingAsync();
        var partner = await _as.AddUniversityAsync(lab);
        var date = new Google.Type.Date { Year = DateTime.UtcNow.Year + 1, Month = 6, Day = 30 };

        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.UniversityViewer.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = partner.Name }).ResponseAsync);
        await GrpcAssert.InvalidFields(() => _as.UniversityClient.RemoveLabPartnerAsync(new RemoveLabPartnerRequest
        {
            Name = partner.Name, LeftDate = new Google.Type.Date { Year = 2000, Month = 1, Day = 1 },
        }).ResponseAsync, "left_date");
        Assert.Equal(1, (await _as.GetAsync(lab)).PartnerCount);

        var left = await _as.UniversityEditor.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = partner.Name, LeftDate = date });

        Assert.Equal(LinkState.Left, left.State);
        Assert.Equal(date, left.LeftDate);
        Assert.Equal(0, (await _as.GetAsync(lab)).PartnerCount);
        Assert.DoesNotContain(lab.Name, await WithActivePartnerAsync(_as.University));
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.UniversityClient.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = partner.Name }).ResponseAsync);
        var audit = await _as.Admin.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = lab.Name, PageSize = 200 });
        var entry = audit.AuditEntries.Last(e => e.Resource == partner.Name);
        Assert.Equal(("RemoveLabPartner", "Active", "Left", _as.University), (entry.Action, entry.FromState, entry.ToState, entry.ActorOrganization));
        Assert.Contains("left on", entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_ByTheHost_EndsAnActivePartner_AndOnlyActivePartnersCount()
    {
        var lab = await _as.CreateAsync();
        var active = await _as.AddUniversityAsync(lab);
        await _as.InviteAsync(lab, _as.OtherEnterprise);
        var declined = await _as.InviteAsync(lab, await _as.Directory.NewAsync("research_institute"));
        await _as.As(declined.Organization.CreditCode, "research_institute").DeclineLabPartnerAsync(new DeclineLabPartnerRequest { Name = declined.Name, Reason = "No." });

        Assert.Equal(1, (await _as.GetAsync(lab)).PartnerCount);
        Assert.Equal(2, (await _as.Host.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name })).Partners.Count);
        Assert.DoesNotContain(lab.Name, await WithActivePartnerAsync(_as.OtherEnterprise));

        var removed = await _as.Host.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = active.Name });
        Assert.Equal(LinkState.Left, removed.State);
        Assert.NotNull(removed.LeftDate);
        Assert.Equal(0, (await _as.GetAsync(lab)).PartnerCount);
    }

    [Fact]
    public async Task AtMostOneLiveLink_PerOrganisation_AlreadyExists()
    {
        var lab = await _as.CreateAsync();
        var invited = await _as.InviteUniversityAsync(lab);
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.InviteUniversityAsync(lab));
        await _as.UniversityClient.AcceptLabPartnerAsync(new AcceptLabPartnerRequest { Name = invited.Name });
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.InviteUniversityAsync(lab));
        Assert.Single((await _as.Host.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name, ShowLeft = true })).Partners);
    }

    [Fact]
    public async Task Accept_OnAFinalPlatform_FailedPrecondition_DeclineStillAllowed()
    {
        var lab = await _as.OperatingAsync();
        var invited = await _as.InviteUniversityAsync(lab);
        await _as.Admin.RevokeLabAsync(new RevokeLabRequest { Name = lab.Name, Reason = "Gone." });

        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.UniversityClient.AcceptLabPartnerAsync(new AcceptLabPartnerRequest { Name = invited.Name }).ResponseAsync);
        Assert.Equal(0, (await _as.GetAsync(lab)).PartnerCount);
        Assert.Equal(LinkState.Declined,
            (await _as.UniversityClient.DeclineLabPartnerAsync(new DeclineLabPartnerRequest { Name = invited.Name, Reason = "Revoked." })).State);
    }
}
