using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Tests;

public sealed class CollegeApiTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    /// <summary>Rows this test's host college owns or wrote (other tests run in parallel and write their own).</summary>
    private Task<long> RowsAsync() => fixture.ScalarAsync(
        """
        SELECT (SELECT count(*) FROM industrial_colleges WHERE host_code = @code)
             + (SELECT count(*) FROM college_partners p JOIN industrial_colleges c ON c.id = p.college_id WHERE c.host_code = @code)
             + (SELECT count(*) FROM college_reports r JOIN industrial_colleges c ON c.id = r.college_id WHERE c.host_code = @code)
             + (SELECT count(*) FROM college_courses r JOIN industrial_colleges c ON c.id = r.college_id WHERE c.host_code = @code)
             + (SELECT count(*) FROM college_mentors r JOIN industrial_colleges c ON c.id = r.college_id WHERE c.host_code = @code)
             + (SELECT count(*) FROM college_training_bases r JOIN industrial_colleges c ON c.id = r.college_id WHERE c.host_code = @code)
             + (SELECT count(*) FROM audit_entries WHERE actor_organization IN (@code, @a, @b))
        """, ("code", _as.College), ("a", _as.PartnerA), ("b", _as.PartnerB));

    [Fact]
    public async Task CreateIndustrialCollege_Valid_IsPlanningHostedByCallerWithMajorTitles()
    {
        var college = await _as.CreateAsync(2021, "430102", "460104", "510101");

        Assert.StartsWith("industrialColleges/", college.Name);
        Assert.Equal(State.Planning, college.State);
        Assert.Equal(_as.College, college.HostCollege.CreditCode);
        Assert.Equal(OrganizationKind.VocationalCollege, college.HostCollege.Kind);
        Assert.Equal(["黑色冶金技术", "机械制造及自动化", "电子信息工程技术"], college.Majors.Select(m => m.Title));
        Assert.Equal(0, college.PartnerCount);
        Assert.NotEmpty(college.Etag);
    }

    public static TheoryData<string, string> BadColleges() => new()
    {
        { "zero-capacity", "industrial_college.annual_enrolment_capacity" },
        { "negative-capacity", "industrial_college.annual_enrolment_capacity" },
        { "empty-name", "industrial_college.display_name" },
        { "unknown-major", "industrial_college.majors[1].code" },
        { "major-added-later", "industrial_college.majors[0].code" },
        { "major-withdrawn", "industrial_college.majors[0].code" },
        { "duplicate-major", "industrial_college.majors[1].code" },
        { "catalogue-too-early", "industrial_college.major_catalogue_year" },
        { "bad-host-code", "industrial_college.host_college.credit_code" },
        { "state-set", "industrial_college.state" },
        { "bad-request-id", "request_id" },
    };

    [Theory]
    [MemberData(nameof(BadColleges))]
    public async Task CreateIndustrialCollege_BadInput_InvalidArgumentAndNothingWritten(string problem, string field)
    {
        var college = Actors.NewCollege();
        var request = new CreateIndustrialCollegeRequest { IndustrialCollege = college };
        switch (problem)
        {
            case "zero-capacity": college.AnnualEnrolmentCapacity = 0; break;
            case "negative-capacity": college.AnnualEnrolmentCapacity = -5; break;
            case "empty-name": college.DisplayName = " "; break;
            case "unknown-major": college.Majors[1].Code = "999999"; break;
            case "major-added-later": college.MajorCatalogueYear = 2021; college.Majors[0].Code = "460116"; break;
            case "major-withdrawn": college.MajorCatalogueYear = 2024; college.Majors[0].Code = "460110"; break;
            case "duplicate-major": college.Majors[1].Code = college.Majors[0].Code; break;
            case "catalogue-too-early": college.MajorCatalogueYear = 2019; college.Majors.Clear(); break;
            case "bad-host-code": college.HostCollege.CreditCode = _as.College[..17] + (_as.College[17] == '0' ? '1' : '0'); break;
            case "state-set": college.State = State.Operating; break;
            case "bad-request-id": request.RequestId = "not-a-uuid"; break;
        }
        var before = await RowsAsync();

        var badRequest = await GrpcAssert.InvalidFields(() => _as.Host.CreateIndustrialCollegeAsync(request).ResponseAsync, field);

        Assert.All(badRequest.FieldViolations, v => Assert.False(string.IsNullOrWhiteSpace(v.Description)));
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task CreateIndustrialCollege_SameCodesLaterCatalogue_ValidatedByYear()
    {
        // 460116 (智能焊接技术) exists from the 2024 edition; 460110 was withdrawn then.
        var college = await _as.CreateAsync(2024, "460116", "460104");
        Assert.Equal("智能焊接技术", college.Majors[0].Title);

        var badRequest = await GrpcAssert.InvalidFields(() => _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, MajorCatalogueYear = 2022 },
            UpdateMask = new FieldMask { Paths = { "major_catalogue_year" } },
        }).ResponseAsync, "industrial_college.majors[0].code");
        Assert.Contains("2024", badRequest.FieldViolations[0].Description);
        Assert.Equal(2024, (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).MajorCatalogueYear);
    }

    [Fact]
    public async Task CreateIndustrialCollege_ByEnterpriseOrViewer_PermissionDenied()
    {
        var request = new CreateIndustrialCollegeRequest { IndustrialCollege = Actors.NewCollege() };
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.A.CreateIndustrialCollegeAsync(request).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.HostViewer.CreateIndustrialCollegeAsync(request).ResponseAsync);
    }

    [Fact]
    public async Task CreateIndustrialCollege_RetryWithSameRequestId_ReturnsOriginalAndWritesOnce()
    {
        var request = new CreateIndustrialCollegeRequest { IndustrialCollege = Actors.NewCollege(), RequestId = Guid.NewGuid().ToString() };

        var first = await _as.Host.CreateIndustrialCollegeAsync(request);
        var retry = await _as.Host.CreateIndustrialCollegeAsync(request);

        Assert.Equal(first, retry);
        Assert.Equal(1, await fixture.ScalarAsync("SELECT count(*) FROM industrial_colleges WHERE display_name = @name",
            ("name", request.IndustrialCollege.DisplayName)));
    }

    [Fact]
    public async Task CreateIndustrialCollege_SameRequestIdDifferentBody_InvalidArgument()
    {
        var requestId = Guid.NewGuid().ToString();
        await _as.Host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = Actors.NewCollege(), RequestId = requestId });

        await GrpcAssert.InvalidFields(() => _as.Host.CreateIndustrialCollegeAsync(
            new CreateIndustrialCollegeRequest { IndustrialCollege = Actors.NewCollege(), RequestId = requestId }).ResponseAsync, "request_id");
    }

    [Fact]
    public async Task SubmitIndustrialCollege_RetryWithSameRequestId_ReturnsOriginalAndAuditsOnce()
    {
        var college = await _as.CreateAsync();
        college = (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = (await AddAAsync(college)).Name }));
        var request = new SubmitIndustrialCollegeRequest { Name = college.Name, Etag = college.Etag, RequestId = Guid.NewGuid().ToString() };

        var first = await _as.Host.SubmitIndustrialCollegeAsync(request);
        var retry = await _as.Host.SubmitIndustrialCollegeAsync(request);

        Assert.Equal(first, retry);
        var audit = await _as.Host.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = college.Name });
        Assert.Single(audit.AuditEntries, e => e.Action == "SubmitIndustrialCollege");
    }

    private async Task<IndustrialCollege> AddAAsync(IndustrialCollege college)
    {
        await _as.AddPartnerAsync(college, _as.PartnerA, Partner.Types.Role.FoundingPartner);
        return college;
    }

    [Fact]
    public async Task SubmitIndustrialCollege_NoPartner_FailedPrecondition()
    {
        var college = await _as.CreateAsync();

        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);

        Assert.Equal("NO_PARTNER", error.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public async Task SubmitIndustrialCollege_PartnerAddedThenRemoved_StillNeedsACurrentPartner()
    {
        var college = await _as.CreateAsync();
        var partner = await _as.AddPartnerAsync(college, _as.PartnerA);
        await _as.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = partner.Name });

        await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
    }

    [Fact]
    public async Task Lifecycle_FullWalk_ThroughEveryState()
    {
        var college = await AddAAsync(await _as.CreateAsync());
        college = await _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });
        Assert.Equal(State.Submitted, college.State);
        college = await _as.Admin.ReturnIndustrialCollegeAsync(new ReturnIndustrialCollegeRequest { Name = college.Name, Reason = "补充企业导师名单" });
        Assert.Equal(State.Planning, college.State);
        Assert.Equal("补充企业导师名单", college.StateReason);
        college = await _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });
        college = await _as.Admin.ApproveIndustrialCollegeAsync(new ApproveIndustrialCollegeRequest { Name = college.Name });
        Assert.Equal(State.Approved, college.State);
        college = await _as.Host.OpenIndustrialCollegeAsync(new OpenIndustrialCollegeRequest { Name = college.Name });
        Assert.Equal(State.Operating, college.State);
        college = await _as.Admin.StartIndustrialCollegeReviewAsync(new StartIndustrialCollegeReviewRequest { Name = college.Name, Reason = "年度报告缺失" });
        Assert.Equal(State.UnderReview, college.State);
        college = await _as.Admin.ReinstateIndustrialCollegeAsync(new ReinstateIndustrialCollegeRequest { Name = college.Name });
        Assert.Equal(State.Operating, college.State);
        college = await _as.Admin.CloseIndustrialCollegeAsync(new CloseIndustrialCollegeRequest { Name = college.Name });
        Assert.Equal(State.Closed, college.State);

        var audit = await _as.Admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = college.Name, PageSize = 100 });
        Assert.Equal(["→Invited", "Invited→Active"], audit.AuditEntries.Where(e => e.Resource != college.Name).Select(e => $"{e.FromState}→{e.ToState}"));
        Assert.Equal(["Planning→Submitted", "Submitted→Planning", "Planning→Submitted", "Submitted→Approved", "Approved→Operating",
                "Operating→UnderReview", "UnderReview→Operating", "Operating→Closed"],
            audit.AuditEntries.Where(e => e.Resource == college.Name && e.FromState != e.ToState && e.FromState != "").Select(e => $"{e.FromState}→{e.ToState}"));
    }

    [Fact]
    public async Task ReturnIndustrialCollege_WithoutReason_InvalidArgument()
    {
        var college = await AddAAsync(await _as.CreateAsync());
        await _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });

        await GrpcAssert.InvalidFields(() => _as.Admin.ReturnIndustrialCollegeAsync(
            new ReturnIndustrialCollegeRequest { Name = college.Name, Reason = " " }).ResponseAsync, "reason");
    }

    [Fact]
    public async Task ApproveIndustrialCollege_WhilePlanning_FailedPreconditionNamingTheState()
    {
        var college = await _as.CreateAsync();

        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.Admin.ApproveIndustrialCollegeAsync(new ApproveIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);

        Assert.Contains("Planning", error.Status.Detail);
        var info = error.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("INVALID_STATE", info.Reason);
        Assert.Equal("Planning", info.Metadata["state"]);
    }

    [Fact]
    public async Task OpenIndustrialCollege_Operating_FailedPrecondition_AndClosedIsFinal()
    {
        var college = await _as.OperatingAsync();
        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.Host.OpenIndustrialCollegeAsync(new OpenIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
        Assert.Contains("Operating", error.Status.Detail);

        await _as.Admin.CloseIndustrialCollegeAsync(new CloseIndustrialCollegeRequest { Name = college.Name, Reason = "合作期满" });
        error = await GrpcAssert.Status(StatusCode.FailedPrecondition, () =>
            _as.Admin.ReinstateIndustrialCollegeAsync(new ReinstateIndustrialCollegeRequest { Name = college.Name }).ResponseAsync);
        Assert.Contains("Closed", error.Status.Detail);
    }

    [Fact]
    public async Task UpdateIndustrialCollege_StaleEtag_AbortedAndNothingChanged()
    {
        var college = await _as.CreateAsync();
        await _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, AnnualEnrolmentCapacity = 300, Etag = college.Etag },
            UpdateMask = new FieldMask { Paths = { "annual_enrolment_capacity" } },
        });

        await GrpcAssert.Status(StatusCode.Aborted, () => _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, AnnualEnrolmentCapacity = 400, Etag = college.Etag },
            UpdateMask = new FieldMask { Paths = { "annual_enrolment_capacity" } },
        }).ResponseAsync);

        Assert.Equal(300, (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).AnnualEnrolmentCapacity);
    }

    [Fact]
    public async Task SubmitIndustrialCollege_StaleEtag_Aborted()
    {
        var college = await _as.CreateAsync();
        await AddAAsync(college); // moves the etag

        await GrpcAssert.Status(StatusCode.Aborted, () => _as.Host.SubmitIndustrialCollegeAsync(
            new SubmitIndustrialCollegeRequest { Name = college.Name, Etag = college.Etag }).ResponseAsync);
        Assert.Equal(State.Planning, (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name })).State);
    }

    [Fact]
    public async Task UpdateIndustrialCollege_CapacityZeroOrOutputOnlyPath_InvalidArgument()
    {
        var college = await _as.CreateAsync();
        await GrpcAssert.InvalidFields(() => _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, AnnualEnrolmentCapacity = 0 },
            UpdateMask = new FieldMask { Paths = { "annual_enrolment_capacity" } },
        }).ResponseAsync, "industrial_college.annual_enrolment_capacity");
        await GrpcAssert.InvalidFields(() => _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name },
            UpdateMask = new FieldMask { Paths = { "state" } },
        }).ResponseAsync, "update_mask");
    }

    [Fact]
    public async Task UpdateIndustrialCollege_WhileSubmitted_FailedPrecondition()
    {
        var college = await AddAAsync(await _as.CreateAsync());
        await _as.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });

        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = college.Name, DisplayName = "Renamed" + Guid.NewGuid() },
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        }).ResponseAsync);
    }

    [Fact]
    public async Task AddPartner_Twice_AlreadyExists_WhileInvitedAndWhileActive()
    {
        var college = await _as.CreateAsync();
        var invited = await _as.InviteAsync(college, _as.PartnerA);
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.InviteAsync(college, _as.PartnerA));
        await _as.Enterprise(_as.PartnerA).AcceptPartnerAsync(new AcceptPartnerRequest { Name = invited.Name });
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.InviteAsync(college, _as.PartnerA));

        var partners = await _as.Host.ListPartnersAsync(new ListPartnersRequest { Parent = college.Name, ShowRemoved = true });
        Assert.Single(partners.Partners);
    }
}
