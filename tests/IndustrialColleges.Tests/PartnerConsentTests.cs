using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Tests;

/// <summary>
/// Nobody becomes a partner without saying yes: the host invites, the invited enterprise's owner or editor accepts or
/// declines (nobody else answers for it, admins included), the host withdraws an invitation or removes a partner, the
/// partner leaves on a date; every act is audited; only ACTIVE partners count for any rule.
/// </summary>
public sealed class PartnerConsentTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private Task<IndustrialCollege> GetAsync(IndustrialCollege college) =>
        _as.Admin.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name }).ResponseAsync;

    private async Task<Partner> LinkAsync(Partner partner) =>
        (await _as.Admin.ListPartnersAsync(new ListPartnersRequest { Parent = partner.Name[..partner.Name.IndexOf("/partners/", StringComparison.Ordinal)], ShowRemoved = true }))
        .Partners.Single(p => p.Name == partner.Name);

    /// <summary>An operating college (A and B accepted), so that every signed-in caller reads it and refusals are the consent rule's.</summary>
    private Task<IndustrialCollege> OperatingAsync() => _as.OperatingAsync();

    private static string InfoReason(RpcException error) => error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason;

    [Fact]
    public async Task AddPartner_Invites_AndTheInvitationCountsForNothingUntilAccepted()
    {
        var college = await _as.CreateAsync();

        var invited = await _as.InviteAsync(college, _as.PartnerA, Partner.Types.Role.FoundingPartner);

        Assert.Equal(LinkState.Invited, invited.State);
        Assert.Null(invited.AnswerTime);
        Assert.Null(invited.JoinedDate);
        Assert.Equal(0, (await GetAsync(college)).PartnerCount);
        var noPartner = await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
        Assert.Equal("NO_PARTNER", InfoReason(noPartner));
        var notYet = await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() }).ResponseAsync);
        Assert.Equal("NOT_A_CURRENT_PARTNER", InfoReason(notYet));
        Assert.DoesNotContain((await _as.Admin.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { PartnerCreditCode = _as.PartnerA, PageSize = 200 }))
            .IndustrialColleges, c => c.Name == college.Name);

        var accepted = await _as.A.AcceptPartnerAsync(new AcceptPartnerRequest { Name = invited.Name });

        Assert.Equal(LinkState.Active, accepted.State);
        Assert.NotNull(accepted.AnswerTime);
        Assert.Equal(Collaboration.Shared.Data.Dates.Today, new DateOnly(accepted.JoinedDate.Year, accepted.JoinedDate.Month, accepted.JoinedDate.Day));
        Assert.Equal(1, (await GetAsync(college)).PartnerCount);
        await _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });
        Assert.Contains((await _as.Admin.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { PartnerCreditCode = _as.PartnerA, PageSize = 200 }))
            .IndustrialColleges, c => c.Name == college.Name);
        Assert.Equal(State.Submitted, (await _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name })).State);
    }

    [Fact]
    public async Task AcceptPartner_KeepsTheJoinedDateTheHostGave()
    {
        var college = await _as.CreateAsync();
        var invited = await _as.Host.AddPartnerAsync(new AddPartnerRequest
        {
            Parent = college.Name,
            Partner = new Partner
            {
                Organization = new Organization { CreditCode = _as.PartnerA }, Role = Partner.Types.Role.Partner,
                JoinedDate = new Google.Type.Date { Year = 2024, Month = 9, Day = 1 },
            },
        });

        var accepted = await _as.A.AcceptPartnerAsync(new AcceptPartnerRequest { Name = invited.Name });

        Assert.Equal(new Google.Type.Date { Year = 2024, Month = 9, Day = 1 }, accepted.JoinedDate);
    }

    [Fact]
    public async Task InvitedEnterprise_ReadsTheCollegeAndItsPartners_WhileInvited_AndNotAfterDeclining()
    {
        var college = await _as.CreateAsync(); // planning: not public
        await _as.AddPartnerAsync(college, _as.PartnerB);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.A.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);

        var invited = await _as.InviteAsync(college, _as.PartnerA);

        Assert.Equal(college.Name, (await _as.A.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).Name);
        var partners = await _as.Enterprise(_as.PartnerA, "viewer").ListPartnersAsync(new ListPartnersRequest { Parent = college.Name });
        Assert.Equal([LinkState.Invited, LinkState.Active], partners.Partners.OrderBy(p => p.State).Select(p => p.State));

        await _as.A.DeclinePartnerAsync(new DeclinePartnerRequest { Name = invited.Name, Reason = "暂无合作计划" });

        await GrpcAssert.Status(StatusCode.NotFound, () => _as.A.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.A.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name }).ResponseAsync);
    }

    public static TheoryData<string> NotTheInvitedEnterprise() => ["host owner", "admin", "invited enterprise's viewer", "another partner"];

    [Theory]
    [MemberData(nameof(NotTheInvitedEnterprise))]
    public async Task AcceptAndDecline_ByAnyoneButTheInvitedEnterprisesOwnerOrEditor_PermissionDenied_AndNothingChanges(string who)
    {
        var college = await OperatingAsync();
        var invited = await _as.InviteAsync(college, _as.Outsider);
        var before = await GetAsync(college);
        var client = who switch
        {
            "host owner" => _as.Host,
            "admin" => _as.Admin,
            "invited enterprise's viewer" => _as.Enterprise(_as.Outsider, "viewer"),
            _ => _as.A,
        };

        await GrpcAssert.Status(StatusCode.PermissionDenied, () => client.AcceptPartnerAsync(new AcceptPartnerRequest { Name = invited.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () =>
            client.DeclinePartnerAsync(new DeclinePartnerRequest { Name = invited.Name, Reason = "代为拒绝" }).ResponseAsync);

        Assert.Equal(invited, await LinkAsync(invited));
        Assert.Equal(before.Etag, (await GetAsync(college)).Etag);
        // The invited enterprise's editor may answer.
        var accepted = await _as.Enterprise(_as.Outsider, "editor").AcceptPartnerAsync(new AcceptPartnerRequest { Name = invited.Name });
        Assert.Equal(LinkState.Active, accepted.State);
        Assert.Equal(3, (await GetAsync(college)).PartnerCount);
    }

    [Fact]
    public async Task DeclinePartner_NeedsAReason_ThenEndsTheInvitation_AndANewInvitationMayFollow()
    {
        var college = await OperatingAsync();
        var invited = await _as.InviteAsync(college, _as.Outsider);
        var outsider = _as.Enterprise(_as.Outsider);

        await GrpcAssert.InvalidFields(() => outsider.DeclinePartnerAsync(new DeclinePartnerRequest { Name = invited.Name, Reason = " " }).ResponseAsync, "reason");
        await GrpcAssert.InvalidFields(() => outsider.DeclinePartnerAsync(
            new DeclinePartnerRequest { Name = invited.Name, Reason = new string('理', 501) }).ResponseAsync, "reason");
        Assert.Equal(LinkState.Invited, (await LinkAsync(invited)).State);

        var declined = await outsider.DeclinePartnerAsync(new DeclinePartnerRequest { Name = invited.Name, Reason = "  暂无合作计划 " });

        Assert.Equal(LinkState.Declined, declined.State);
        Assert.Equal("暂无合作计划", declined.DeclineReason);
        Assert.NotNull(declined.AnswerTime);
        Assert.Equal(2, (await GetAsync(college)).PartnerCount);
        Assert.DoesNotContain((await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name })).Partners, p => p.Name == invited.Name);
        Assert.Contains((await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name, ShowRemoved = true })).Partners, p => p.Name == invited.Name);
        // A declined invitation is answered: it cannot be accepted after all, but the host may invite again.
        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => outsider.AcceptPartnerAsync(new AcceptPartnerRequest { Name = invited.Name }).ResponseAsync);
        Assert.Equal("INVALID_STATE", InfoReason(error));
        var again = await _as.InviteAsync(college, _as.Outsider);
        Assert.NotEqual(invited.Name, again.Name);
        Assert.Equal(LinkState.Active, (await outsider.AcceptPartnerAsync(new AcceptPartnerRequest { Name = again.Name })).State);
    }

    [Fact]
    public async Task WrongState_FailedPrecondition_AndNothingChanges()
    {
        var college = await OperatingAsync();
        var partnerA = (await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name })).Partners.Single(p => p.Organization.CreditCode == _as.PartnerA);
        var invited = await _as.InviteAsync(college, _as.Outsider);
        var outsider = _as.Enterprise(_as.Outsider);
        var before = await GetAsync(college);

        var refusals = new (string What, Func<Task> Call)[]
        {
            ("accepting an active link", () => _as.A.AcceptPartnerAsync(new AcceptPartnerRequest { Name = partnerA.Name }).ResponseAsync),
            ("declining an active link", () => _as.A.DeclinePartnerAsync(new DeclinePartnerRequest { Name = partnerA.Name, Reason = "x" }).ResponseAsync),
            ("leaving before accepting", () => outsider.RemovePartnerAsync(new RemovePartnerRequest { Name = invited.Name }).ResponseAsync),
        };
        foreach (var (what, call) in refusals)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.StatusCode == StatusCode.FailedPrecondition, $"{what}: {error.StatusCode} {error.Status.Detail}");
        }

        Assert.Equal(before.Etag, (await GetAsync(college)).Etag);
        Assert.Equal(LinkState.Invited, (await LinkAsync(invited)).State);
        Assert.Equal(LinkState.Active, (await LinkAsync(partnerA)).State);
    }

    [Fact]
    public async Task RemovePartner_ByTheHost_WithdrawsAnInvitation_WhichCanNoLongerBeAnswered()
    {
        var college = await OperatingAsync();
        var invited = await _as.InviteAsync(college, _as.Outsider);

        var withdrawn = await _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = invited.Name });

        Assert.Equal(LinkState.Withdrawn, withdrawn.State);
        Assert.Null(withdrawn.LeftDate);
        Assert.Equal(2, (await GetAsync(college)).PartnerCount);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.Enterprise(_as.Outsider).AcceptPartnerAsync(new AcceptPartnerRequest { Name = invited.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = invited.Name }).ResponseAsync);
    }

    [Fact]
    public async Task RemovePartner_ByThePartnerItself_Leaves_OnItsDate_AndStopsCounting()
    {
        var college = await OperatingAsync();
        var partnerA = (await _as.A.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name })).Partners.Single(p => p.Organization.CreditCode == _as.PartnerA);
        var leaveOn = new Google.Type.Date { Year = 2099, Month = 1, Day = 31 };

        // Its viewer may not leave for it, nor may another partner remove it.
        await GrpcAssert.Status(StatusCode.PermissionDenied, () =>
            _as.Enterprise(_as.PartnerA, "viewer").RemovePartnerAsync(new RemovePartnerRequest { Name = partnerA.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.B.RemovePartnerAsync(new RemovePartnerRequest { Name = partnerA.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Admin.RemovePartnerAsync(new RemovePartnerRequest { Name = partnerA.Name }).ResponseAsync);
        Assert.Equal(LinkState.Active, (await LinkAsync(partnerA)).State);

        var left = await _as.Enterprise(_as.PartnerA, "editor").RemovePartnerAsync(new RemovePartnerRequest { Name = partnerA.Name, LeftDate = leaveOn });

        Assert.Equal(LinkState.Left, left.State);
        Assert.Equal(leaveOn, left.LeftDate);
        Assert.Equal(1, (await GetAsync(college)).PartnerCount);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.A.RemovePartnerAsync(new RemovePartnerRequest { Name = partnerA.Name }).ResponseAsync);
    }

    [Fact]
    public async Task RemovePartner_LeftDateBeforeJoining_InvalidArgument()
    {
        var college = await OperatingAsync();
        var partnerA = (await _as.A.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name })).Partners.Single(p => p.Organization.CreditCode == _as.PartnerA);

        await GrpcAssert.InvalidFields(() => _as.A.RemovePartnerAsync(new RemovePartnerRequest
        {
            Name = partnerA.Name, LeftDate = new Google.Type.Date { Year = 2001, Month = 1, Day = 1 },
        }).ResponseAsync, "left_date");
        Assert.Equal(LinkState.Active, (await LinkAsync(partnerA)).State);
    }

    [Fact]
    public async Task WhileSubmitted_NoPartnerChanges_ButAnInvitationMayBeDeclined()
    {
        var college = await _as.CreateAsync();
        var partnerA = await _as.AddPartnerAsync(college, _as.PartnerA);
        var toAccept = await _as.InviteAsync(college, _as.PartnerB);
        var toDecline = await _as.InviteAsync(college, _as.Outsider);
        await _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });

        // The active partners are what the city examines: they hold still while it does.
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.B.AcceptPartnerAsync(new AcceptPartnerRequest { Name = toAccept.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.A.RemovePartnerAsync(new RemovePartnerRequest { Name = partnerA.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = toAccept.Name }).ResponseAsync);
        Assert.Equal(1, (await GetAsync(college)).PartnerCount);

        var declined = await _as.Enterprise(_as.Outsider).DeclinePartnerAsync(new DeclinePartnerRequest { Name = toDecline.Name, Reason = "不参与" });
        Assert.Equal(LinkState.Declined, declined.State);
    }

    [Fact]
    public async Task EveryConsentAct_IsAudited_WithTheLinksStates()
    {
        var college = await OperatingAsync();
        var invited = await _as.InviteAsync(college, _as.Outsider);
        var outsider = _as.Enterprise(_as.Outsider);
        await outsider.DeclinePartnerAsync(new DeclinePartnerRequest { Name = invited.Name, Reason = "产能不足" });
        var again = await _as.InviteAsync(college, _as.Outsider);
        await _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = again.Name });
        var third = await _as.InviteAsync(college, _as.Outsider);
        await outsider.AcceptPartnerAsync(new AcceptPartnerRequest { Name = third.Name });
        await outsider.RemovePartnerAsync(new RemovePartnerRequest { Name = third.Name });

        var audit = (await _as.Host.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = college.Name, PageSize = 200 })).AuditEntries
            .Where(e => e.Resource == invited.Name || e.Resource == again.Name || e.Resource == third.Name)
            .Select(e => $"{e.Action} {e.FromState}→{e.ToState} by {e.ActorOrganization}").ToList();

        Assert.Equal(
        [
            $"AddPartner →Invited by {_as.College}", $"DeclinePartner Invited→Declined by {_as.Outsider}",
            $"AddPartner →Invited by {_as.College}", $"RemovePartner Invited→Withdrawn by {_as.College}",
            $"AddPartner →Invited by {_as.College}", $"AcceptPartner Invited→Active by {_as.Outsider}", $"RemovePartner Active→Left by {_as.Outsider}",
        ], audit);
    }

    [Fact]
    public async Task InvitationsForMe_ListsTheCollegesAwaitingTheCallersAnswer_Only()
    {
        var chain = TestChains.New();
        async Task<IndustrialCollege> NewAsync()
        {
            var draft = Actors.NewCollege();
            draft.IndustryChain = chain;
            return await _as.Host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = draft });
        }
        var awaiting = await NewAsync();
        await _as.InviteAsync(awaiting, _as.PartnerA);
        var accepted = await NewAsync();
        await _as.AddPartnerAsync(accepted, _as.PartnerA);
        var declined = await NewAsync();
        var declinedLink = await _as.InviteAsync(declined, _as.PartnerA);
        await _as.A.DeclinePartnerAsync(new DeclinePartnerRequest { Name = declinedLink.Name, Reason = "不参与" });
        var someoneElses = await NewAsync();
        await _as.InviteAsync(someoneElses, _as.PartnerB);

        async Task<List<string>> InvitationsAsync(IndustrialCollegeService.IndustrialCollegeServiceClient client) =>
            [.. (await client.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { InvitationsForMe = true, IndustryChain = chain, PageSize = 200 }))
                .IndustrialColleges.Select(c => c.Name)];

        Assert.Equal([awaiting.Name], await InvitationsAsync(_as.A));
        Assert.Equal([awaiting.Name], await InvitationsAsync(_as.Enterprise(_as.PartnerA, "viewer")));
        Assert.Equal([someoneElses.Name], await InvitationsAsync(_as.B));
        Assert.Empty(await InvitationsAsync(_as.Host));
        Assert.Empty(await InvitationsAsync(_as.Admin));
        // Composes with the other filters.
        Assert.Empty((await _as.A.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest
        {
            InvitationsForMe = true, IndustryChain = chain, State = State.Operating,
        })).IndustrialColleges);
    }

    [Fact]
    public async Task Migration_ExistingPartnersBecomeActive_OrLeftWhenTheyHadALeftDate_AndOnlyActiveOnesAreCounted()
    {
        // The service's scripts up to 002 on a fresh database, partners as they were kept before consent, then 003.
        var database = $"colleges_migration_{Guid.NewGuid():N}"[..40];
        await using (var server = new NpgsqlConnection(fixture.Postgres.ServerConnectionString))
        {
            await server.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", server);
            await create.ExecuteNonQueryAsync();
        }
        var assembly = typeof(Extensions).Assembly;
        var scripts = assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var consent = scripts.Single(n => n.EndsWith("003_partner_consent.sql", StringComparison.Ordinal));
        await using var connection = new NpgsqlConnection(fixture.Postgres.ConnectionString(database) + ";Pooling=false");
        await connection.OpenAsync();
        async Task RunAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
        async Task<string> ScriptAsync(string resource)
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            return await reader.ReadToEndAsync();
        }
        foreach (var script in scripts.TakeWhile(s => s != consent))
        {
            await RunAsync(await ScriptAsync(script));
        }
        await RunAsync("""
            INSERT INTO industrial_colleges (id, display_name, host_code, host_name, host_kind, industry_chain, enrolment_capacity, major_catalogue_year, state, partner_count)
            VALUES ('00000000-0000-0000-0000-000000000001', 'old', '12431300448765423R', 'old host', 3, 'energy', 10, 2021, 4, 1);
            INSERT INTO college_partners (id, college_id, credit_code, org_name, role, joined_date, left_date) VALUES
              ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', '914313001874265378', 'current', 1, '2022-03-15', NULL),
              ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-000000000001', '91431300MA4L3K7P3F', 'former', 2, '2022-03-15', '2024-01-01');
            """);

        await RunAsync(await ScriptAsync(consent));

        await using var read = new NpgsqlCommand(
            "SELECT string_agg(org_name || ':' || state || ':' || org_kind, ',' ORDER BY id) || '/' || (SELECT partner_count FROM industrial_colleges) FROM college_partners",
            connection);
        Assert.Equal($"current:{(int)LinkState.Active}:{(int)OrganizationKind.Enterprise},former:{(int)LinkState.Left}:{(int)OrganizationKind.Enterprise}/1",
            (string?)await read.ExecuteScalarAsync());
        await connection.CloseAsync();
        await using var drop = new NpgsqlConnection(fixture.Postgres.ServerConnectionString);
        await drop.OpenAsync();
        await using var dropCommand = new NpgsqlCommand($"DROP DATABASE {database} WITH (FORCE)", drop);
        await dropCommand.ExecuteNonQueryAsync();
    }
}
