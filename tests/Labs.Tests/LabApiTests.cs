using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Kind = Collaboration.Labs.V1.Lab.Types.Kind;
using Level = Collaboration.Labs.V1.Lab.Types.Level;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

public sealed class LabApiTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    /// <summary>Rows this test's organisation owns or wrote (other tests run in parallel and write their own).</summary>
    private Task<long> TableRowsAsync() => fixture.ScalarAsync(
        """
        SELECT (SELECT count(*) FROM labs WHERE host_code = @code)
             + (SELECT count(*) FROM lab_partners p JOIN labs l ON l.id = p.lab_id WHERE l.host_code = @code)
             + (SELECT count(*) FROM posts p LEFT JOIN labs l ON l.id = p.lab_id WHERE coalesce(l.host_code, p.org_code) = @code)
             + (SELECT count(*) FROM lab_evaluations e JOIN labs l ON l.id = e.lab_id WHERE l.host_code = @code)
             + (SELECT count(*) FROM audit_entries WHERE actor LIKE '%' || @code)
        """, new { code = _as.Enterprise });

    [Fact]
    public async Task CreateLab_Valid_IsDraftHostedByCaller()
    {
        var lab = await _as.CreateAsync();

        Assert.StartsWith("labs/", lab.Name);
        Assert.Equal(State.Draft, lab.State);
        Assert.Equal(_as.Enterprise, lab.HostOrganization.CreditCode);
        Assert.Equal(Common.V1.OrganizationKind.Enterprise, lab.HostOrganization.Kind);
        Assert.Equal("Li Wei", lab.Director.Name);
        Assert.NotEmpty(lab.Etag);
        Assert.Null(lab.AccreditationDate);
    }

    public static TheoryData<string, string> BadLabs() => new()
    {
        { "wrong-check-character", "lab.host_organization.credit_code" },
        { "no-kind", "lab.kind" },
        { "unknown-level", "lab.level" },
        { "empty-name", "lab.display_name" },
        { "long-name", "lab.display_name" },
        { "no-field", "lab.research_field" },
        { "long-director", "lab.director.name" },
        { "state-set", "lab.state" },
        { "bad-request-id", "request_id" },
    };

    [Theory]
    [MemberData(nameof(BadLabs))]
    public async Task CreateLab_BadInput_InvalidArgumentAndNothingWritten(string problem, string field)
    {
        var lab = Actors.NewLab();
        var request = new CreateLabRequest { Lab = lab };
        switch (problem)
        {
            case "wrong-check-character":
                var code = _as.Enterprise;
                lab.HostOrganization.CreditCode = code[..17] + (code[17] == '0' ? '1' : '0');
                break;
            case "no-kind": lab.Kind = Kind.Unspecified; break;
            case "unknown-level": lab.Level = (Level)42; break;
            case "empty-name": lab.DisplayName = " "; break;
            case "long-name": lab.DisplayName = new string('室', 10_000); break;
            case "no-field": lab.ResearchField = ""; break;
            case "long-director": lab.Director.Name = new string('李', 500); break;
            case "state-set": lab.State = State.Operating; break;
            case "bad-request-id": request.RequestId = "not-a-uuid"; break;
        }
        var before = await TableRowsAsync();

        await GrpcAssert.InvalidFields(() => _as.Host.CreateLabAsync(request).ResponseAsync, field);

        Assert.Equal(before, await TableRowsAsync());
    }

    [Fact]
    public async Task CreateLab_KeyLaboratoryAtUniversity_Allowed_TechnologyCentreNot()
    {
        var lab = Actors.NewLab(Kind.KeyLaboratory);
        var created = await _as.UniversityClient.CreateLabAsync(new CreateLabRequest { Lab = lab });
        Assert.Equal(Common.V1.OrganizationKind.University, created.HostOrganization.Kind);

        await GrpcAssert.InvalidFields(() => _as.UniversityClient.CreateLabAsync(new CreateLabRequest { Lab = Actors.NewLab() }).ResponseAsync,
            "lab.kind");
    }

    [Fact]
    public async Task Lifecycle_FullPath_ReachesOperatingWithDates()
    {
        var lab = await _as.CreateAsync();
        lab = await _as.InPublicNoticeAsync(lab);
        Assert.Equal(State.PublicNotice, lab.State);

        lab = await _as.Admin.AccreditLabAsync(new AccreditLabRequest { Name = lab.Name, Etag = lab.Etag });
        Assert.Equal(State.ApprovedForConstruction, lab.State);
        Assert.NotNull(lab.AccreditationDate);
        Assert.Equal(lab.AccreditationDate.Year + 2, lab.ConstructionDeadline.Year);

        lab = await _as.Host.StartLabConstructionAsync(new StartLabConstructionRequest { Name = lab.Name });
        lab = await _as.Host.RequestLabAcceptanceAsync(new RequestLabAcceptanceRequest { Name = lab.Name });
        Assert.Equal(State.Acceptance, lab.State);
        lab = await _as.Admin.PassLabAcceptanceAsync(new PassLabAcceptanceRequest { Name = lab.Name });
        Assert.Equal(State.Operating, lab.State);

        var audit = await _as.Host.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = lab.Name });
        Assert.Equal(
            ["CreateLab", "SubmitLab", "StartLabPreliminaryReview", "PassLabPreliminaryReview", "PassLabExpertReview",
             "AccreditLab", "StartLabConstruction", "RequestLabAcceptance", "PassLabAcceptance"],
            audit.AuditEntries.Select(e => e.Action));
        Assert.Equal("Operating", audit.AuditEntries[^1].ToState);
    }

    [Fact]
    public async Task AccreditLab_ChosenDeadline_Kept_PastDeadline_Invalid()
    {
        var lab = await _as.InPublicNoticeAsync(await _as.CreateAsync());
        var past = new Google.Type.Date { Year = 2020, Month = 1, Day = 1 };
        await GrpcAssert.InvalidFields(() => _as.Admin.AccreditLabAsync(new AccreditLabRequest { Name = lab.Name, ConstructionDeadline = past }).ResponseAsync,
            "construction_deadline");

        var deadline = new Google.Type.Date { Year = DateTime.UtcNow.Year + 3, Month = 6, Day = 30 };
        lab = await _as.Admin.AccreditLabAsync(new AccreditLabRequest { Name = lab.Name, ConstructionDeadline = deadline });
        Assert.Equal(deadline, lab.ConstructionDeadline);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReturnLab_FromSubmittedOrPreliminaryReview_BackToDraftWithReason(bool inPreliminaryReview)
    {
        var lab = await _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = (await _as.CreateAsync()).Name });
        if (inPreliminaryReview)
        {
            lab = await _as.Admin.StartLabPreliminaryReviewAsync(new StartLabPreliminaryReviewRequest { Name = lab.Name });
        }

        lab = await _as.Admin.ReturnLabAsync(new ReturnLabRequest { Name = lab.Name, Reason = "Attach the equipment list." });

        Assert.Equal(State.Draft, lab.State);
        Assert.Equal("Attach the equipment list.", lab.StateReason);
    }

    [Fact]
    public async Task ReturnLab_WithoutReason_InvalidArgument()
    {
        var lab = await _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = (await _as.CreateAsync()).Name });
        await GrpcAssert.InvalidFields(() => _as.Admin.ReturnLabAsync(new ReturnLabRequest { Name = lab.Name }).ResponseAsync, "reason");
        Assert.Equal(State.Submitted, (await _as.GetAsync(lab)).State);
    }

    [Fact]
    public async Task ReturnLab_FromExpertReview_FailedPreconditionNamingState()
    {
        var lab = await _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = (await _as.CreateAsync()).Name });
        lab = await _as.Admin.StartLabPreliminaryReviewAsync(new StartLabPreliminaryReviewRequest { Name = lab.Name });
        lab = await _as.Admin.PassLabPreliminaryReviewAsync(new PassLabPreliminaryReviewRequest { Name = lab.Name });

        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => _as.Admin.ReturnLabAsync(new ReturnLabRequest { Name = lab.Name, Reason = "x" }).ResponseAsync);
        Assert.Contains("ExpertReview", error.Status.Detail);
        Assert.Equal("INVALID_STATE", error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
    }

    [Fact]
    public async Task Acceptance_Deferred_BackToConstructionWithNewDeadline_ThenFailed_Rejected()
    {
        var lab = await _as.Admin.AccreditLabAsync(new AccreditLabRequest { Name = (await _as.InPublicNoticeAsync(await _as.CreateAsync())).Name });
        lab = await _as.Host.StartLabConstructionAsync(new StartLabConstructionRequest { Name = lab.Name });
        lab = await _as.Host.RequestLabAcceptanceAsync(new RequestLabAcceptanceRequest { Name = lab.Name });

        await GrpcAssert.InvalidFields(() => _as.Admin.DeferLabAcceptanceAsync(new DeferLabAcceptanceRequest { Name = lab.Name }).ResponseAsync,
            "construction_deadline");
        var deadline = new Google.Type.Date { Year = DateTime.UtcNow.Year + 4, Month = 12, Day = 31 };
        lab = await _as.Admin.DeferLabAcceptanceAsync(new DeferLabAcceptanceRequest { Name = lab.Name, ConstructionDeadline = deadline, Reason = "Pilot line late." });
        Assert.Equal(State.Construction, lab.State);
        Assert.Equal(deadline, lab.ConstructionDeadline);

        lab = await _as.Host.RequestLabAcceptanceAsync(new RequestLabAcceptanceRequest { Name = lab.Name });
        lab = await _as.Admin.FailLabAcceptanceAsync(new FailLabAcceptanceRequest { Name = lab.Name, Reason = "Targets missed." });
        Assert.Equal(State.Rejected, lab.State);
        await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => _as.Host.RequestLabAcceptanceAsync(new RequestLabAcceptanceRequest { Name = lab.Name }).ResponseAsync);
    }

    [Fact]
    public async Task Rectification_CompletedBackToOperating_ThenRevoked_IsFinal()
    {
        var lab = await _as.OperatingAsync();
        lab = await _as.Admin.RequireLabRectificationAsync(new RequireLabRectificationRequest { Name = lab.Name, Reason = "Staffing below plan." });
        Assert.Equal(State.Rectification, lab.State);
        lab = await _as.Admin.CompleteLabRectificationAsync(new CompleteLabRectificationRequest { Name = lab.Name });
        Assert.Equal(State.Operating, lab.State);
        lab = await _as.Admin.RevokeLabAsync(new RevokeLabRequest { Name = lab.Name, Reason = "Host ceased research." });
        Assert.Equal(State.Revoked, lab.State);
        await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => _as.Admin.CompleteLabRectificationAsync(new CompleteLabRectificationRequest { Name = lab.Name }).ResponseAsync);
    }

    [Fact]
    public async Task CreateLab_SameRequestId_ReturnsOriginalAndWritesOnce()
    {
        var request = new CreateLabRequest { Lab = Actors.NewLab(), RequestId = Guid.NewGuid().ToString() };
        var first = await _as.Host.CreateLabAsync(request);
        var second = await _as.Host.CreateLabAsync(request);

        Assert.Equal(first, second);
        Assert.Equal(1, await fixture.ScalarAsync("SELECT count(*) FROM labs WHERE host_code = @code", new { code = _as.Enterprise }));
    }

    [Fact]
    public async Task CreateLab_SameRequestIdDifferentBody_InvalidArgument()
    {
        var id = Guid.NewGuid().ToString();
        await _as.Host.CreateLabAsync(new CreateLabRequest { Lab = Actors.NewLab(), RequestId = id });
        await GrpcAssert.InvalidFields(() => _as.Host.CreateLabAsync(new CreateLabRequest { Lab = Actors.NewLab(), RequestId = id }).ResponseAsync,
            "request_id");
        Assert.Equal(1, await fixture.ScalarAsync("SELECT count(*) FROM labs WHERE host_code = @code", new { code = _as.Enterprise }));
    }

    [Fact]
    public async Task SubmitLab_SameRequestId_ReturnsOriginalWithoutSecondTransition()
    {
        var lab = await _as.CreateAsync();
        var request = new SubmitLabRequest { Name = lab.Name, Etag = lab.Etag, RequestId = Guid.NewGuid().ToString() };
        var first = await _as.Host.SubmitLabAsync(request);
        var retry = await _as.Host.SubmitLabAsync(request);

        Assert.Equal(first, retry);
        var audit = await _as.Host.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = lab.Name });
        Assert.Single(audit.AuditEntries, e => e.Action == "SubmitLab");
    }

    [Fact]
    public async Task SubmitLab_StaleEtag_AbortedAndUnchanged()
    {
        var lab = await _as.CreateAsync();
        await _as.Host.UpdateLabAsync(new UpdateLabRequest
        {
            Lab = new Lab { Name = lab.Name, ResearchField = "silicon-steel" },
            UpdateMask = new FieldMask { Paths = { "research_field" } },
        });

        await GrpcAssert.Status(StatusCode.Aborted, () => _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = lab.Name, Etag = lab.Etag }).ResponseAsync);
        Assert.Equal(State.Draft, (await _as.GetAsync(lab)).State);
    }

    [Fact]
    public async Task UpdateLab_MaskedFields_ChangedAndEtagMoves_OutputOnlyRejected()
    {
        var lab = await _as.CreateAsync();
        var updated = await _as.Host.UpdateLabAsync(new UpdateLabRequest
        {
            Lab = new Lab { Name = lab.Name, Etag = lab.Etag, Director = new Lab.Types.Director { Name = "Wang Fang", Title = "Chief engineer" } },
            UpdateMask = new FieldMask { Paths = { "director" } },
        });
        Assert.Equal("Wang Fang", updated.Director.Name);
        Assert.Equal(lab.DisplayName, updated.DisplayName);
        Assert.NotEqual(lab.Etag, updated.Etag);

        await GrpcAssert.InvalidFields(() => _as.Host.UpdateLabAsync(new UpdateLabRequest
        {
            Lab = new Lab { Name = lab.Name, State = State.Operating },
            UpdateMask = new FieldMask { Paths = { "state" } },
        }).ResponseAsync, "update_mask");
    }

    [Fact]
    public async Task UpdateLab_AfterSubmit_FailedPrecondition()
    {
        var lab = await _as.Host.SubmitLabAsync(new SubmitLabRequest { Name = (await _as.CreateAsync()).Name });
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Host.UpdateLabAsync(new UpdateLabRequest
        {
            Lab = new Lab { Name = lab.Name, DisplayName = "Renamed" },
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        }).ResponseAsync);
    }

    [Fact]
    public async Task GetLab_MalformedName_InvalidArgument_Unknown_NotFound()
    {
        await GrpcAssert.InvalidFields(() => _as.Host.GetLabAsync(new GetLabRequest { Name = "alliances/1" }).ResponseAsync, "name");
        await GrpcAssert.Status(StatusCode.NotFound, () => _as.Host.GetLabAsync(new GetLabRequest { Name = $"labs/{Guid.NewGuid()}" }).ResponseAsync);
    }

    [Fact]
    public async Task Partners_DatedLinks_LeavingKeepsHistory()
    {
        var lab = await _as.CreateAsync();
        var partner = await _as.AddUniversityAsync(lab);
        Assert.Equal(1, (await _as.GetAsync(lab)).PartnerCount);
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.AddUniversityAsync(lab));

        var left = await _as.Host.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = partner.Name });
        Assert.NotNull(left.LeftDate);
        Assert.Empty((await _as.Host.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name })).Partners);
        Assert.Single((await _as.Host.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab.Name, ShowLeft = true })).Partners);
        Assert.Equal(0, (await _as.GetAsync(lab)).PartnerCount);
    }
}
