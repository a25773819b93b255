using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Tests;

public sealed class AllianceApiTests(AlliancesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private async Task<long> CountAsync(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(fixture.Postgres.ConnectionString("alliances"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        if (args is not null)
        {
            foreach (var property in args.GetType().GetProperties())
            {
                command.Parameters.AddWithValue(property.Name, property.GetValue(args)!);
            }
        }
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>Rows this test's organisation owns or wrote (other tests run in parallel and write their own).</summary>
    private Task<long> TableRowsAsync() => CountAsync(
        """
        SELECT (SELECT count(*) FROM alliances WHERE lead_code = @code)
             + (SELECT count(*) FROM alliance_members m JOIN alliances a ON a.id = m.alliance_id WHERE a.lead_code = @code)
             + (SELECT count(*) FROM alliance_evaluations e JOIN alliances a ON a.id = e.alliance_id WHERE a.lead_code = @code)
             + (SELECT count(*) FROM audit_entries WHERE actor LIKE '%' || @code)
        """, new { code = _as.Enterprise });

    [Fact]
    public async Task CreateAlliance_Valid_IsDraftLedByCallerWithLeadMember()
    {
        var alliance = await _as.CreateAsync();

        Assert.StartsWith("alliances/", alliance.Name);
        Assert.Equal(State.Draft, alliance.State);
        Assert.Equal(_as.Enterprise, alliance.LeadOrganization.CreditCode);
        Assert.Equal(1, alliance.MemberCount);
        Assert.NotEmpty(alliance.Etag);
        var members = await _as.Lead.ListMembersAsync(new ListMembersRequest { Parent = alliance.Name });
        var lead = Assert.Single(members.Members);
        Assert.Equal(Member.Types.Role.Lead, lead.Role);
        Assert.Equal(_as.Enterprise, lead.Organization.CreditCode);
    }

    public static TheoryData<string, string> BadAlliances() => new()
    {
        { "wrong-check-character", "alliance.lead_organization.credit_code" },
        { "empty-name", "alliance.display_name" },
        { "long-name", "alliance.display_name" },
        { "future-founded", "alliance.founded_date" },
        { "bad-date", "alliance.founded_date" },
        { "state-set", "alliance.state" },
        { "bad-request-id", "request_id" },
    };

    [Theory]
    [MemberData(nameof(BadAlliances))]
    public async Task CreateAlliance_BadInput_InvalidArgumentAndNothingWritten(string problem, string field)
    {
        var alliance = Actors.NewAlliance();
        var request = new CreateAllianceRequest { Alliance = alliance };
        switch (problem)
        {
            case "wrong-check-character":
                var code = _as.Enterprise;
                alliance.LeadOrganization.CreditCode = code[..17] + (code[17] == '0' ? '1' : '0');
                break;
            case "empty-name": alliance.DisplayName = ""; break;
            case "long-name": alliance.DisplayName = new string('联', 10_000); break;
            case "future-founded": alliance.FoundedDate = new Google.Type.Date { Year = DateTime.UtcNow.Year + 1, Month = 1, Day = 1 }; break;
            case "bad-date": alliance.FoundedDate = new Google.Type.Date { Year = 2023, Month = 2, Day = 30 }; break;
            case "state-set": alliance.State = State.Approved; break;
            case "bad-request-id": request.RequestId = "not-a-uuid"; break;
        }
        var before = await TableRowsAsync();

        await GrpcAssert.InvalidFields(() => _as.Lead.CreateAllianceAsync(request).ResponseAsync, field);

        Assert.Equal(before, await TableRowsAsync());
    }

    [Fact]
    public async Task CreateAlliance_SeveralBadFields_AllReportedAtOnce()
    {
        var alliance = Actors.NewAlliance();
        alliance.DisplayName = "";
        alliance.IndustryChain = "";
        alliance.LeadOrganization.CreditCode = "123";

        var badRequest = await GrpcAssert.InvalidFields(() => _as.Lead.CreateAllianceAsync(new CreateAllianceRequest { Alliance = alliance }).ResponseAsync,
            "alliance.display_name", "alliance.industry_chain", "alliance.lead_organization.credit_code");
        Assert.All(badRequest.FieldViolations, v => Assert.False(string.IsNullOrWhiteSpace(v.Description)));
    }

    [Theory]
    [InlineData("negative-page-size", "page_size")]
    [InlineData("unknown-state", "state")]
    [InlineData("malformed-token", "page_token")]
    [InlineData("bad-member-code", "member_credit_code")]
    public async Task ListAlliances_BadInput_InvalidArgument(string problem, string field)
    {
        var request = problem switch
        {
            "negative-page-size" => new ListAlliancesRequest { PageSize = -1 },
            "unknown-state" => new ListAlliancesRequest { State = (State)42 },
            "malformed-token" => new ListAlliancesRequest { PageToken = "%%%garbage" },
            _ => new ListAlliancesRequest { MemberCreditCode = "91350100M000100Y44" },
        };
        await GrpcAssert.InvalidFields(() => _as.Lead.ListAlliancesAsync(request).ResponseAsync, field);
    }

    [Fact]
    public async Task RecordEvaluation_Score101_InvalidArgumentAndNothingWritten()
    {
        var alliance = await _as.ApprovedAsync();
        var before = await TableRowsAsync();

        await GrpcAssert.InvalidFields(() => _as.Admin.RecordEvaluationAsync(new RecordEvaluationRequest
        {
            Parent = alliance.Name, Year = 2024, Score = 101,
        }).ResponseAsync, "score");

        Assert.Equal(before, await TableRowsAsync());
    }

    [Fact]
    public async Task RecordEvaluation_Approved_GradesByBandAndOncePerYear()
    {
        var alliance = await _as.ApprovedAsync();

        var evaluation = await _as.Admin.RecordEvaluationAsync(new RecordEvaluationRequest { Parent = alliance.Name, Year = 2024, Score = 86 });
        Assert.Equal(Evaluation.Types.Grade.High, evaluation.Grade);
        Assert.Equal($"{alliance.Name}/evaluations/2024", evaluation.Name);

        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.Admin.RecordEvaluationAsync(
            new RecordEvaluationRequest { Parent = alliance.Name, Year = 2024, Score = 50 }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Lead.RecordEvaluationAsync(
            new RecordEvaluationRequest { Parent = alliance.Name, Year = 2023, Score = 90 }).ResponseAsync);
        var list = await _as.Lead.ListEvaluationsAsync(new ListEvaluationsRequest { Parent = alliance.Name });
        Assert.Equal(86, Assert.Single(list.Evaluations).Score);
    }

    [Fact]
    public async Task CreateAlliance_RetryWithSameRequestId_ReturnsOriginalAndWritesOnce()
    {
        var request = new CreateAllianceRequest { Alliance = Actors.NewAlliance(), RequestId = Guid.NewGuid().ToString() };

        var first = await _as.Lead.CreateAllianceAsync(request);
        var retry = await _as.Lead.CreateAllianceAsync(request);

        Assert.Equal(first, retry);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM alliances WHERE display_name = @name", new { name = request.Alliance.DisplayName }));
    }

    [Fact]
    public async Task CreateAlliance_ConcurrentRetriesWithSameRequestId_WriteOnce()
    {
        var request = new CreateAllianceRequest { Alliance = Actors.NewAlliance(), RequestId = Guid.NewGuid().ToString() };

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _as.Lead.CreateAllianceAsync(request).ResponseAsync));

        Assert.Single(results.Select(r => r.Name).Distinct());
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM alliances WHERE display_name = @name", new { name = request.Alliance.DisplayName }));
    }

    [Fact]
    public async Task CreateAlliance_SameRequestIdDifferentBody_InvalidArgument()
    {
        var requestId = Guid.NewGuid().ToString();
        await _as.Lead.CreateAllianceAsync(new CreateAllianceRequest { Alliance = Actors.NewAlliance(), RequestId = requestId });

        await GrpcAssert.InvalidFields(() => _as.Lead.CreateAllianceAsync(
            new CreateAllianceRequest { Alliance = Actors.NewAlliance(), RequestId = requestId }).ResponseAsync, "request_id");
    }

    [Fact]
    public async Task SubmitAlliance_RetryWithSameRequestId_ReturnsOriginalEvenThoughEtagMoved()
    {
        var alliance = await _as.CreateAsync();
        var request = new SubmitAllianceRequest { Name = alliance.Name, Etag = alliance.Etag, RequestId = Guid.NewGuid().ToString() };

        var first = await _as.Lead.SubmitAllianceAsync(request);
        var retry = await _as.Lead.SubmitAllianceAsync(request);

        Assert.Equal(first, retry);
        var audit = await _as.Lead.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = alliance.Name });
        Assert.Single(audit.AuditEntries, e => e.Action == "SubmitAlliance");
    }

    [Fact]
    public async Task SubmitAlliance_StaleEtag_AbortedAndUnchanged()
    {
        var alliance = await _as.CreateAsync();
        var updated = await _as.Lead.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = alliance.Name, ShortName = "TA2" },
            UpdateMask = new FieldMask { Paths = { "short_name" } },
        });
        Assert.NotEqual(alliance.Etag, updated.Etag);

        await GrpcAssert.Status(StatusCode.Aborted, () => _as.Lead.SubmitAllianceAsync(
            new SubmitAllianceRequest { Name = alliance.Name, Etag = alliance.Etag }).ResponseAsync);

        Assert.Equal(State.Draft, (await _as.Lead.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).State);
    }

    [Fact]
    public async Task UpdateAlliance_StaleEtag_Aborted()
    {
        var alliance = await _as.CreateAsync();
        await _as.Lead.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = alliance.Name, ShortName = "A", Etag = alliance.Etag },
            UpdateMask = new FieldMask { Paths = { "short_name" } },
        });

        await GrpcAssert.Status(StatusCode.Aborted, () => _as.Lead.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = alliance.Name, ShortName = "B", Etag = alliance.Etag },
            UpdateMask = new FieldMask { Paths = { "short_name" } },
        }).ResponseAsync);
    }

    [Theory]
    [InlineData("state")]
    [InlineData("lead_organization")]
    [InlineData("etag")]
    [InlineData("create_time")]
    [InlineData("no_such_field")]
    public async Task UpdateAlliance_OutputOnlyOrOwnershipInMask_InvalidArgument(string path)
    {
        var alliance = await _as.CreateAsync();
        await GrpcAssert.InvalidFields(() => _as.Lead.UpdateAllianceAsync(new UpdateAllianceRequest
        {
            Alliance = new Alliance { Name = alliance.Name, State = State.Approved },
            UpdateMask = new FieldMask { Paths = { path } },
        }).ResponseAsync, "update_mask");
        Assert.Equal(State.Draft, (await _as.Lead.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).State);
    }

    [Fact]
    public async Task CreateAlliance_DuplicateLiveNameAnyCase_AlreadyExists()
    {
        var name = $"Unique alliance {Guid.NewGuid():N}";
        await _as.CreateAsync(name);
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.Other.CreateAllianceAsync(
            new CreateAllianceRequest { Alliance = Actors.NewAlliance(name.ToUpperInvariant()) }).ResponseAsync);
    }

    [Fact]
    public async Task ApproveAlliance_FromDraft_FailedPreconditionNamingTheState()
    {
        var alliance = await _as.CreateAsync();

        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Admin.ApproveAllianceAsync(
            new ApproveAllianceRequest { Name = alliance.Name }).ResponseAsync);

        Assert.Contains("Draft", error.Status.Detail, StringComparison.Ordinal);
        var info = error.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("INVALID_STATE", info.Reason);
    }

    [Fact]
    public async Task ApproveAlliance_WithoutUniversityOrInstitute_FailedPrecondition_ThenApprovedOnceOneJoins()
    {
        var alliance = await _as.CreateAsync();
        alliance = await _as.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });

        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Admin.ApproveAllianceAsync(
            new ApproveAllianceRequest { Name = alliance.Name }).ResponseAsync);
        Assert.Contains("university or research institute", error.Status.Detail, StringComparison.Ordinal);

        await _as.AddUniversityAsync(alliance);
        var approved = await _as.Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name });
        Assert.Equal(State.Approved, approved.State);
    }

    [Fact]
    public async Task Lifecycle_FullRound_WritesAuditEntryPerStateChange()
    {
        var alliance = await _as.CreateAsync();
        await _as.AddUniversityAsync(alliance);
        await _as.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });
        var returned = await _as.Admin.ReturnAllianceAsync(new ReturnAllianceRequest { Name = alliance.Name, Reason = "Charter lacks an IP clause." });
        Assert.Equal(State.Draft, returned.State);
        Assert.Equal("Charter lacks an IP clause.", returned.StateReason);
        await _as.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });
        await _as.Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name });
        await _as.Admin.RequireAllianceRectificationAsync(new RequireAllianceRectificationRequest { Name = alliance.Name, Reason = "No activity reports." });
        await _as.Admin.ReinstateAllianceAsync(new ReinstateAllianceRequest { Name = alliance.Name });
        var dissolved = await _as.Admin.DissolveAllianceAsync(new DissolveAllianceRequest { Name = alliance.Name });
        Assert.Equal(State.Dissolved, dissolved.State);

        var audit = await _as.Admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = alliance.Name });
        var changes = audit.AuditEntries.Where(e => e.FromState != e.ToState).Select(e => $"{e.FromState}>{e.ToState}").ToList();
        Assert.Equal(["Draft>Submitted", "Submitted>Draft", "Draft>Submitted", "Submitted>Approved", "Approved>Rectification", "Rectification>Approved", "Approved>Dissolved"],
            changes.Skip(1));
        Assert.Equal(">Draft", changes[0]);
        Assert.Contains(audit.AuditEntries, e => e.Action == "ReturnAlliance" && e.Detail == "Charter lacks an IP clause." && e.Actor == "admin@city");
    }

    [Fact]
    public async Task ReturnAlliance_WithoutReason_InvalidArgument()
    {
        var alliance = await _as.CreateAsync();
        await _as.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });
        await GrpcAssert.InvalidFields(() => _as.Admin.ReturnAllianceAsync(new ReturnAllianceRequest { Name = alliance.Name, Reason = "  " }).ResponseAsync, "reason");
    }

    [Fact]
    public async Task RemoveMember_SetsLeftDate_AndKeepsHistory()
    {
        var alliance = await _as.CreateAsync();
        var member = await _as.AddUniversityAsync(alliance);

        var left = await _as.Lead.RemoveMemberAsync(new RemoveMemberRequest { Name = member.Name });

        Assert.NotNull(left.LeftDate);
        var current = await _as.Lead.ListMembersAsync(new ListMembersRequest { Parent = alliance.Name });
        Assert.DoesNotContain(current.Members, m => m.Name == member.Name);
        var history = await _as.Lead.ListMembersAsync(new ListMembersRequest { Parent = alliance.Name, ShowLeft = true });
        Assert.Contains(history.Members, m => m.Name == member.Name && m.LeftDate is not null);
        Assert.Equal(1, (await _as.Lead.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name })).MemberCount);
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Lead.RemoveMemberAsync(new RemoveMemberRequest { Name = member.Name }).ResponseAsync);
        // Rejoining after leaving is a new dated link.
        await _as.AddUniversityAsync(alliance);
    }

    [Fact]
    public async Task AddMember_SameOrganisationTwice_AlreadyExists()
    {
        var alliance = await _as.CreateAsync();
        await _as.AddUniversityAsync(alliance);
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.AddUniversityAsync(alliance));
    }

    [Fact]
    public async Task GetAlliance_MalformedName_InvalidArgument_UnknownName_NotFound()
    {
        await GrpcAssert.InvalidFields(() => _as.Lead.GetAllianceAsync(new GetAllianceRequest { Name = "alliances/x" }).ResponseAsync, "name");
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Lead.GetAllianceAsync(
            new GetAllianceRequest { Name = $"alliances/{Guid.NewGuid()}" }).ResponseAsync);
    }

    [Fact]
    public async Task Calls_WithoutToken_Unauthenticated()
    {
        var anonymous = fixture.Service.Client<AllianceService.AllianceServiceClient>(null);
        await GrpcAssert.Status(StatusCode.Unauthenticated, () => anonymous.ListAlliancesAsync(new ListAlliancesRequest()).ResponseAsync);
    }
}
