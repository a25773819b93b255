using Collaboration.Common.V1;
using Collaboration.Talent.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using State = Collaboration.Talent.V1.Declaration.Types.State;

namespace Collaboration.Talent.Tests;

public sealed class DeclarationApiTests(TalentFixture fixture)
{
    [Fact]
    public async Task CreateDeclaration_ByEnterprise_DraftVersion1_EnterpriseFromDirectory_LatestCodeVersions()
    {
        var actors = new Actors(fixture);
        var typed = Actors.NewDeclaration();
        typed.Enterprise = new Organization { CreditCode = actors.Competitor, Name = "某高校", Kind = OrganizationKind.University };

        var created = await actors.Owner.CreateDeclarationAsync(new CreateDeclarationRequest { Declaration = typed });

        Assert.Equal(State.Draft, created.State);
        Assert.Equal(1, created.Version);
        Assert.Equal("", created.Revises);
        Assert.Equal(actors.Enterprise, created.Enterprise.CreditCode);
        Assert.Equal($"enterprise {actors.Enterprise[^6..]}", created.Enterprise.Name);
        Assert.Equal(OrganizationKind.Enterprise, created.Enterprise.Kind);
        Assert.Equal("2022", created.OccupationCatalogueVersion);
        Assert.Equal("2024", created.MajorCatalogueVersion);
        Assert.Equal(5500, created.MonthlyPayMinYuan);
        Assert.Equal(8000, created.MonthlyPayMaxYuan);
        Assert.Equal(created, await actors.Owner.GetDeclarationAsync(new GetDeclarationRequest { Name = created.Name }));
    }

    [Fact]
    public async Task CreateDeclaration_NotAnEnterpriseOrNotAWriter_PermissionDenied()
    {
        var actors = new Actors(fixture);
        var request = new CreateDeclarationRequest { Declaration = Actors.NewDeclaration() };
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => actors.CollegeOwner.CreateDeclarationAsync(request).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => actors.Viewer.CreateDeclarationAsync(request).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => actors.Admin.CreateDeclarationAsync(request).ResponseAsync);
        // A token saying "enterprise" does not make a college one: the directory's registered kind decides.
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => actors.Client(Tokens.For(actors.College, "enterprise")).CreateDeclarationAsync(request).ResponseAsync);
        // An organisation the directory does not know declares nothing.
        await GrpcAssert.Status(StatusCode.PermissionDenied,
            () => actors.Client(Tokens.For(DirectoryServer.Unregistered(), "enterprise")).CreateDeclarationAsync(request).ResponseAsync);
        Assert.Empty((await actors.Admin.ListDeclarationsAsync(new ListDeclarationsRequest { EnterpriseCreditCode = actors.College })).Declarations);
    }

    [Fact]
    public async Task CreateDeclaration_EveryFieldWrong_OneViolationPerField()
    {
        var actors = new Actors(fixture);
        var bad = new Declaration
        {
            Year = 1999,
            OccupationCode = "9-99-99-99",
            RelatedMajorCodes = { "999999" },
            IndustryChain = "",
            Headcount = 10_001,
            EducationLevel = EducationLevel.Unspecified,
            SkillLevel = 6,
            Urgency = (Urgency)42,
            MonthlyPayMinYuan = 0,
            MonthlyPayMaxYuan = 1_000_001,
            WorkDistrict = "430102",
            Description = new string('x', 4001),
        };
        await GrpcAssert.InvalidFields(() => actors.Owner.CreateDeclarationAsync(new CreateDeclarationRequest { Declaration = bad, RequestId = "not-a-uuid" }).ResponseAsync,
            "request_id", "declaration.year", "declaration.occupation_code", "declaration.related_major_codes", "declaration.industry_chain",
            "declaration.headcount", "declaration.education_level", "declaration.skill_level", "declaration.urgency",
            "declaration.monthly_pay_min_yuan", "declaration.monthly_pay_max_yuan", "declaration.work_district", "declaration.description");
        Assert.Empty((await actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest())).Declarations);
    }

    [Theory]
    [InlineData("min above max")]
    [InlineData("unknown chain")]
    [InlineData("unknown occupation version")]
    [InlineData("repeated major")]
    [InlineData("major withdrawn in the latest edition")]
    [InlineData("headcount zero")]
    public async Task CreateDeclaration_OneRuleBroken_NamesThatField(string rule)
    {
        var actors = new Actors(fixture);
        var d = Actors.NewDeclaration();
        var field = "declaration.";
        switch (rule)
        {
            case "min above max": d.MonthlyPayMinYuan = 9000; d.MonthlyPayMaxYuan = 8999; field += "monthly_pay_min_yuan"; break;
            case "unknown chain": d.IndustryChain = "no-such-chain"; field += "industry_chain"; break;
            case "unknown occupation version": d.OccupationCatalogueVersion = "2015"; field += "occupation_catalogue_version"; break;
            case "repeated major": d.RelatedMajorCodes.Add("460104"); field += "related_major_codes"; break;
            case "major withdrawn in the latest edition": d.RelatedMajorCodes.Clear(); d.RelatedMajorCodes.Add("460110"); field += "related_major_codes"; break;
            case "headcount zero": d.Headcount = 0; field += "headcount"; break;
        }
        await GrpcAssert.InvalidFields(() => actors.Owner.CreateDeclarationAsync(new CreateDeclarationRequest { Declaration = d }).ResponseAsync, field);
    }

    [Fact]
    public async Task CreateDeclaration_WithdrawnMajorInTheEditionThatHadIt_Accepted()
    {
        var actors = new Actors(fixture);
        var d = Actors.NewDeclaration();
        d.RelatedMajorCodes.Clear();
        d.RelatedMajorCodes.Add("460110");
        d.MajorCatalogueVersion = "2021";
        var created = await actors.Owner.CreateDeclarationAsync(new CreateDeclarationRequest { Declaration = d });
        Assert.Equal("2021", created.MajorCatalogueVersion);
    }

    [Fact]
    public async Task CreateDeclaration_SameRequestId_SameAnswer_OneDeclaration()
    {
        var actors = new Actors(fixture);
        var request = new CreateDeclarationRequest { Declaration = Actors.NewDeclaration(), RequestId = Guid.NewGuid().ToString() };
        var first = await actors.Owner.CreateDeclarationAsync(request);
        Assert.Equal(first, await actors.Owner.CreateDeclarationAsync(request));
        Assert.Single((await actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest())).Declarations);

        var changed = request.Clone();
        changed.Declaration.Headcount = 99;
        await GrpcAssert.InvalidFields(() => actors.Owner.CreateDeclarationAsync(changed).ResponseAsync, "request_id");
        Assert.Single((await actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest())).Declarations);
    }

    [Fact]
    public async Task UpdateDeclaration_Draft_ChangesMaskedFields_EtagMoves_StaleEtagAborted()
    {
        var actors = new Actors(fixture);
        var draft = await actors.DraftAsync();
        var updated = await actors.Editor.UpdateDeclarationAsync(new UpdateDeclarationRequest
        {
            Declaration = new Declaration { Name = draft.Name, Headcount = 30, MonthlyPayMaxYuan = 9000, Etag = draft.Etag },
            UpdateMask = new FieldMask { Paths = { "headcount", "monthly_pay_max_yuan" } },
        });
        Assert.Equal(30, updated.Headcount);
        Assert.Equal(9000, updated.MonthlyPayMaxYuan);
        Assert.Equal(draft.OccupationCode, updated.OccupationCode);
        Assert.NotEqual(draft.Etag, updated.Etag);

        await GrpcAssert.Status(StatusCode.Aborted, () => actors.Owner.UpdateDeclarationAsync(new UpdateDeclarationRequest
        {
            Declaration = new Declaration { Name = draft.Name, Headcount = 1, Etag = draft.Etag },
            UpdateMask = new FieldMask { Paths = { "headcount" } },
        }).ResponseAsync);
        Assert.Equal(updated, await actors.Owner.GetDeclarationAsync(new GetDeclarationRequest { Name = draft.Name }));
    }

    [Fact]
    public async Task UpdateDeclaration_MinAboveStoredMax_InvalidArgument_Unchanged()
    {
        var actors = new Actors(fixture);
        var draft = await actors.DraftAsync();
        await GrpcAssert.InvalidFields(() => actors.Owner.UpdateDeclarationAsync(new UpdateDeclarationRequest
        {
            Declaration = new Declaration { Name = draft.Name, MonthlyPayMinYuan = 8001 },
            UpdateMask = new FieldMask { Paths = { "monthly_pay_min_yuan" } },
        }).ResponseAsync, "declaration.monthly_pay_min_yuan");
        Assert.Equal(draft, await actors.Owner.GetDeclarationAsync(new GetDeclarationRequest { Name = draft.Name }));
    }

    [Fact]
    public async Task UpdateDeclaration_OutputOnlyPath_InvalidArgument()
    {
        var actors = new Actors(fixture);
        var draft = await actors.DraftAsync();
        await GrpcAssert.InvalidFields(() => actors.Owner.UpdateDeclarationAsync(new UpdateDeclarationRequest
        {
            Declaration = new Declaration { Name = draft.Name, State = State.Accepted },
            UpdateMask = new FieldMask { Paths = { "state" } },
        }).ResponseAsync, "update_mask");
    }

    public static TheoryData<State, string> EveryStateAndAct()
    {
        var data = new TheoryData<State, string>();
        foreach (var state in new[] { State.Draft, State.Submitted, State.Accepted, State.Returned, State.Superseded })
        {
            foreach (var act in new[] { "Update", "Submit", "Accept", "Return", "Revise" })
            {
                data.Add(state, act);
            }
        }
        return data;
    }

    /// <summary>Over the wire: each act from each state is answered as the lifecycle table says, and a refused act changes nothing.</summary>
    [Theory]
    [MemberData(nameof(EveryStateAndAct))]
    public async Task EveryStateAndAct_AllowedOrFailedPrecondition(State from, string act)
    {
        var actors = new Actors(fixture);
        var declaration = from switch
        {
            State.Draft => await actors.DraftAsync(),
            State.Submitted => await actors.SubmittedAsync(),
            State.Accepted => await actors.AcceptedAsync(),
            State.Returned => await actors.ReturnedAsync(),
            _ => (await actors.SupersededAsync()).Superseded,
        };
        Assert.Equal(from, declaration.State);
        var allowed = (from, act) switch
        {
            (State.Draft, "Update" or "Submit") => true,
            (State.Submitted, "Accept" or "Return" or "Revise") => true,
            (State.Accepted or State.Returned, "Revise") => true,
            _ => false,
        };
        Func<Task<Declaration>> call = act switch
        {
            "Update" => () => actors.Owner.UpdateDeclarationAsync(new UpdateDeclarationRequest
            {
                Declaration = new Declaration { Name = declaration.Name, Headcount = 7 },
                UpdateMask = new FieldMask { Paths = { "headcount" } },
            }).ResponseAsync,
            "Submit" => () => actors.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = declaration.Name }).ResponseAsync,
            "Accept" => () => actors.Admin.AcceptDeclarationAsync(new AcceptDeclarationRequest { Name = declaration.Name }).ResponseAsync,
            "Return" => () => actors.Admin.ReturnDeclarationAsync(new ReturnDeclarationRequest { Name = declaration.Name, Reason = "补充说明岗位要求。" }).ResponseAsync,
            _ => () => actors.Owner.ReviseDeclarationAsync(new ReviseDeclarationRequest { Name = declaration.Name }).ResponseAsync,
        };
        if (allowed)
        {
            var answer = await call();
            var expected = act switch { "Update" => State.Draft, "Submit" => State.Submitted, "Accept" => State.Accepted, "Return" => State.Returned, _ => State.Draft };
            Assert.Equal(expected, answer.State);
            return;
        }
        var refused = await GrpcAssert.Status(StatusCode.FailedPrecondition, call);
        Assert.Equal("INVALID_STATE", refused.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        Assert.Contains(from.ToString(), refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(declaration, await actors.Admin.GetDeclarationAsync(new GetDeclarationRequest { Name = declaration.Name }));
    }

    [Fact]
    public async Task ReturnDeclaration_WithoutReason_InvalidArgument_ReasonKeptWhenGiven()
    {
        var actors = new Actors(fixture);
        var submitted = await actors.SubmittedAsync();
        await GrpcAssert.InvalidFields(() => actors.Admin.ReturnDeclarationAsync(new ReturnDeclarationRequest { Name = submitted.Name }).ResponseAsync, "reason");
        var returned = await actors.Admin.ReturnDeclarationAsync(new ReturnDeclarationRequest { Name = submitted.Name, Reason = "  工资区间请按月填写。 " });
        Assert.Equal(State.Returned, returned.State);
        Assert.Equal("工资区间请按月填写。", returned.StateReason);
    }

    [Fact]
    public async Task AcceptAndReturn_ByTheEnterprise_PermissionDenied_SubmitByAdmin_PermissionDenied()
    {
        var actors = new Actors(fixture);
        var submitted = await actors.SubmittedAsync();
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => actors.Owner.AcceptDeclarationAsync(new AcceptDeclarationRequest { Name = submitted.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied,
            () => actors.Owner.ReturnDeclarationAsync(new ReturnDeclarationRequest { Name = submitted.Name, Reason = "self" }).ResponseAsync);
        var draft = await actors.DraftAsync();
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => actors.Admin.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = draft.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => actors.Viewer.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = draft.Name }).ResponseAsync);
        Assert.Equal(State.Draft, (await actors.Owner.GetDeclarationAsync(new GetDeclarationRequest { Name = draft.Name })).State);
    }

    [Fact]
    public async Task ReviseDeclaration_Accepted_CorrectionIsNextVersion_SubmittingItSupersedesTheOld_HistoryKept()
    {
        var actors = new Actors(fixture);
        var first = await actors.AcceptedAsync(headcount: 12);
        var correction = await actors.Owner.ReviseDeclarationAsync(new ReviseDeclarationRequest { Name = first.Name, Etag = first.Etag });
        Assert.Equal(State.Draft, correction.State);
        Assert.Equal(2, correction.Version);
        Assert.Equal(first.Name, correction.Revises);
        Assert.Equal(12, correction.Headcount);
        // Until the correction is submitted, the accepted version stands.
        Assert.Equal(State.Accepted, (await actors.Owner.GetDeclarationAsync(new GetDeclarationRequest { Name = first.Name })).State);
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => actors.Owner.ReviseDeclarationAsync(new ReviseDeclarationRequest { Name = first.Name }).ResponseAsync);

        correction = await actors.Owner.UpdateDeclarationAsync(new UpdateDeclarationRequest
        {
            Declaration = new Declaration { Name = correction.Name, Headcount = 20 },
            UpdateMask = new FieldMask { Paths = { "headcount" } },
        });
        correction = await actors.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = correction.Name });

        var old = await actors.Owner.GetDeclarationAsync(new GetDeclarationRequest { Name = first.Name });
        Assert.Equal(State.Superseded, old.State);
        Assert.Equal(correction.Name, old.SupersededBy);
        Assert.Equal(12, old.Headcount);
        Assert.Equal([correction.Name], (await actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest())).Declarations.Select(d => d.Name));
        Assert.Equal([first.Name, correction.Name],
            (await actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest { IncludeSuperseded = true })).Declarations.Select(d => d.Name));
        var trail = (await actors.Owner.ListDeclarationAuditEntriesAsync(new ListDeclarationAuditEntriesRequest { Parent = first.Name })).AuditEntries;
        Assert.Equal(["CreateDeclaration", "SubmitDeclaration", "AcceptDeclaration", "ReviseDeclaration", "SubmitDeclaration"], trail.Select(e => e.Action));
        Assert.Equal(("Accepted", "Superseded"), (trail[^1].FromState, trail[^1].ToState));
        Assert.Equal(actors.Enterprise, trail[0].ActorOrganization);
        Assert.Equal("city", trail[2].ActorOrganization);
    }

    [Fact]
    public async Task ListDeclarations_Paged_TokenBoundToFilters()
    {
        var actors = new Actors(fixture);
        for (var i = 0; i < 5; i++)
        {
            await actors.DraftAsync(headcount: i + 1);
        }
        var first = await actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest { PageSize = 2 });
        Assert.Equal(2, first.Declarations.Count);
        var names = first.Declarations.Select(d => d.Name).ToList();
        var token = first.NextPageToken;
        while (token.Length > 0)
        {
            var page = await actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest { PageSize = 2, PageToken = token });
            names.AddRange(page.Declarations.Select(d => d.Name));
            token = page.NextPageToken;
        }
        Assert.Equal(5, names.Distinct().Count());
        await GrpcAssert.InvalidFields(() => actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest { PageSize = 2, PageToken = first.NextPageToken, Year = 2027 }).ResponseAsync, "page_token");
        await GrpcAssert.InvalidFields(() => actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest { PageSize = -1 }).ResponseAsync, "page_size");
        await GrpcAssert.InvalidFields(() => actors.Owner.ListDeclarationsAsync(new ListDeclarationsRequest { IndustryChain = "no-such-chain" }).ResponseAsync, "industry_chain");
    }
}
