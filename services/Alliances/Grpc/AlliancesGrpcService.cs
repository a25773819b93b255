using Collaboration.Alliances.Data;
using Collaboration.Alliances.Model;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Grpc;

/// <summary>The Alliances API: each method validates, checks who may act, acts, and maps back.</summary>
public sealed class AlliancesGrpcService(AllianceStore store, WriteRunner writes, ResourceCache cache, GrantChecker grants) : AllianceService.AllianceServiceBase
{
    private const int MaxNameLength = 200;
    private const int MaxShortNameLength = 50;
    private const int MaxChainLength = 64;
    private const int MaxCharterLength = 4000;
    private const int MaxReasonLength = 2000;

    private static readonly HashSet<string> UpdatablePaths =
        ["display_name", "short_name", "industry_chain", "charter_summary", "founded_date"];

    public override async Task<Alliance> GetAlliance(GetAllianceRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseAllianceName(request.Name, "name");
        return await RequireReadableAsync(context, caller, id, request.Name);
    }

    public override async Task<ListAlliancesResponse> ListAlliances(ListAlliancesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        violations.Text("industry_chain", request.IndustryChain, MaxChainLength, required: false);
        if (request.MemberCreditCode.Length > 0)
        {
            violations.CreditCode("member_credit_code", request.MemberCreditCode);
        }
        if (request.FoundedYear != 0)
        {
            violations.Range("founded_year", request.FoundedYear, 1900, 9999);
        }
        var fingerprint = Page.Fingerprint(request.State, request.IndustryChain, request.MemberCreditCode, request.FoundedYear);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var filter = new AllianceFilter((short)request.State, request.IndustryChain, request.MemberCreditCode, request.FoundedYear);
        var rows = await store.ListAsync(caller, filter, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListAlliancesResponse { NextPageToken = next };
        response.Alliances.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Alliance> CreateAlliance(CreateAllianceRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var alliance = request.Alliance ?? new Alliance();
        var violations = new FieldViolations().RequestId(request.RequestId);
        ValidateDetails(alliance, violations, "alliance.");
        var lead = alliance.LeadOrganization;
        if (lead is not null && lead.CreditCode.Length > 0)
        {
            violations.CreditCode("alliance.lead_organization.credit_code", lead.CreditCode);
        }
        if (lead is not null && lead.Kind is not (OrganizationKind.Unspecified or OrganizationKind.Enterprise))
        {
            violations.Add("alliance.lead_organization.kind", "the lead of an alliance is an enterprise.");
        }
        violations.Text("alliance.lead_organization.name", lead?.Name, MaxNameLength);
        if (alliance.State != State.Unspecified)
        {
            violations.Add("alliance.state", "is output only; a new alliance starts as a draft.");
        }
        violations.ThrowIfAny();

        if (caller.IsAdmin || !caller.CanWrite || caller.OrganizationKind != OrganizationKind.Enterprise)
        {
            ApiErrors.PermissionDenied("Alliances are created by an owner or editor of the lead enterprise.");
        }
        var leadCode = string.IsNullOrEmpty(lead!.CreditCode) ? caller.Organization : lead.CreditCode;
        if (!caller.ActsFor(leadCode))
        {
            ApiErrors.PermissionDenied("An enterprise creates alliances led by its own organisation.");
        }

        var call = new WriteCall(nameof(CreateAlliance), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var founded = alliance.FoundedDate.ToDateOnly();
            var row = new AllianceRow
            {
                Id = Guid.CreateVersion7(),
                DisplayName = alliance.DisplayName.Trim(),
                ShortName = alliance.ShortName.Trim(),
                IndustryChain = alliance.IndustryChain.Trim(),
                LeadCode = leadCode,
                LeadName = lead.Name.Trim(),
                CharterSummary = alliance.CharterSummary.Trim(),
                FoundedDate = founded?.ToDateTime(TimeOnly.MinValue),
                State = (short)State.Draft,
            };
            await InsertUniqueAsync(() => AllianceStore.InsertAsync(connection, transaction, row), row.DisplayName);
            await AllianceStore.InsertMemberAsync(connection, transaction, new MemberRow
            {
                Id = Guid.CreateVersion7(),
                AllianceId = row.Id,
                CreditCode = leadCode,
                OrgName = row.LeadName,
                OrgKind = (short)OrganizationKind.Enterprise,
                Role = (short)Member.Types.Role.Lead,
                JoinedDate = (founded ?? Dates.Today).ToDateTime(TimeOnly.MinValue),
            });
            var created = await AllianceStore.AdjustMemberCountAsync(connection, transaction, row.Id, +1);
            var name = AllianceNames.Alliance(row.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(CreateAlliance), "", State.Draft.ToString());
            return created.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<Alliance> UpdateAlliance(UpdateAllianceRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Alliance ?? new Alliance();
        var id = ParseAllianceName(patch.Name, "alliance.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, UpdatablePaths, violations);
        violations.ThrowIfAny();
        ValidateDetails(patch, violations, "alliance.", paths);
        violations.ThrowIfAny();

        var name = AllianceNames.Alliance(id);
        var call = new WriteCall(nameof(UpdateAlliance), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await AllianceStore.LockAsync(connection, transaction, id);
            if (row is null)
            {
                ApiErrors.NotFound(name);
            }
            // Content edits: the lead's owners and editors, or an organisation the lead granted editor rights on this alliance.
            await grants.EnsureCanEditAsync(context, caller, name, row.LeadCode, await VisibleByRuleAsync(connection, transaction, caller, id, row),
                $"Only an owner or editor of the lead organisation, or an organisation it granted editor rights, may update {name}.");
            ApiErrors.CheckEtag(patch.Etag, row.Etag, name);
            if (!AllianceLifecycle.IsEditable(row.AllianceState))
            {
                ApiErrors.InvalidState(name, nameof(UpdateAlliance), row.AllianceState.ToString());
            }
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "display_name": row.DisplayName = patch.DisplayName.Trim(); break;
                    case "short_name": row.ShortName = patch.ShortName.Trim(); break;
                    case "industry_chain": row.IndustryChain = patch.IndustryChain.Trim(); break;
                    case "charter_summary": row.CharterSummary = patch.CharterSummary.Trim(); break;
                    case "founded_date": row.FoundedDate = patch.FoundedDate.ToDateOnly()?.ToDateTime(TimeOnly.MinValue); break;
                }
            }
            var updated = await InsertUniqueAsync(() => AllianceStore.UpdateDetailsAsync(connection, transaction, row), row.DisplayName);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(UpdateAlliance),
                row.AllianceState.ToString(), row.AllianceState.ToString(), string.Join(",", paths));
            return updated.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override Task<Alliance> SubmitAlliance(SubmitAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Submit, null, context);

    public override Task<Alliance> ApproveAlliance(ApproveAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Approve, null, context);

    public override Task<Alliance> ReturnAlliance(ReturnAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Return, Required(request.Reason), context);

    public override Task<Alliance> RequireAllianceRectification(RequireAllianceRectificationRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.RequireRectification, Required(request.Reason), context);

    public override Task<Alliance> ReinstateAlliance(ReinstateAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Reinstate, null, context);

    public override Task<Alliance> DissolveAlliance(DissolveAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Dissolve, Optional(request.Reason), context);

    public override async Task<Member> AddMember(AddMemberRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseAllianceName(request.Parent, "parent");
        var member = request.Member ?? new Member();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.CreditCode("member.organization.credit_code", member.Organization?.CreditCode);
        violations.Text("member.organization.name", member.Organization?.Name, MaxNameLength);
        violations.DefinedEnum("member.organization.kind", member.Organization?.Kind ?? OrganizationKind.Unspecified);
        violations.DefinedEnum("member.role", member.Role);
        if (member.Role == Member.Types.Role.Lead)
        {
            violations.Add("member.role", "the lead is the alliance's lead organisation; add others as vice-chair, member or observer.");
        }
        var joined = Dates.Today;
        if (member.JoinedDate.IsSet())
        {
            if (member.JoinedDate.ToDateOnly() is { } date)
            {
                joined = date;
            }
            else
            {
                violations.Add("member.joined_date", "is not a valid calendar date.");
            }
        }
        violations.ThrowIfAny();

        var name = AllianceNames.Alliance(id);
        var call = new WriteCall(nameof(AddMember), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.LeadCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the lead organisation may change the members of {name}.");
            }
            if (!AllianceLifecycle.AcceptsMembershipChanges(row.AllianceState))
            {
                ApiErrors.InvalidState(name, nameof(AddMember), row.AllianceState.ToString());
            }
            MemberRow added;
            try
            {
                added = await AllianceStore.InsertMemberAsync(connection, transaction, new MemberRow
                {
                    Id = Guid.CreateVersion7(),
                    AllianceId = id,
                    CreditCode = member.Organization!.CreditCode,
                    OrgName = member.Organization.Name.Trim(),
                    OrgKind = (short)member.Organization.Kind,
                    Role = (short)member.Role,
                    JoinedDate = joined.ToDateTime(TimeOnly.MinValue),
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                ApiErrors.AlreadyExists($"{member.Organization!.CreditCode} is already a current member of {name}.");
                throw;
            }
            await AllianceStore.AdjustMemberCountAsync(connection, transaction, id, +1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, AllianceNames.Member(id, added.Id), nameof(AddMember),
                row.AllianceState.ToString(), row.AllianceState.ToString(), $"{added.CreditCode} as {(Member.Types.Role)added.Role}");
            return added.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Member> RemoveMember(RemoveMemberRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!AllianceNames.TryParseMember(request.Name, out var id, out var memberId))
        {
            violations.Add("name", "must look like alliances/{alliance}/members/{member}.");
        }
        var left = Dates.Today;
        if (request.LeftDate.IsSet())
        {
            if (request.LeftDate.ToDateOnly() is { } date)
            {
                left = date;
            }
            else
            {
                violations.Add("left_date", "is not a valid calendar date.");
            }
        }
        violations.ThrowIfAny();

        var name = AllianceNames.Alliance(id);
        var call = new WriteCall(nameof(RemoveMember), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            var member = await AllianceStore.LockMemberAsync(connection, transaction, id, memberId);
            if (member is null)
            {
                ApiErrors.NotFound(request.Name);
            }
            if (!caller.CanEditFor(row.LeadCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the lead organisation may change the members of {name}.");
            }
            if (!AllianceLifecycle.AcceptsMembershipChanges(row.AllianceState))
            {
                ApiErrors.InvalidState(name, nameof(RemoveMember), row.AllianceState.ToString());
            }
            if (member.LeftDate is not null)
            {
                ApiErrors.FailedPrecondition("ALREADY_LEFT", $"{request.Name} already left the alliance.");
            }
            if (member.Role == (short)Member.Types.Role.Lead)
            {
                ApiErrors.FailedPrecondition("LEAD_CANNOT_LEAVE", "The lead organisation cannot leave its own alliance; dissolve it instead.");
            }
            if (left < DateOnly.FromDateTime(member.JoinedDate))
            {
                ApiErrors.InvalidArgument("left_date", "must not be before the joined date.");
            }
            var ended = await AllianceStore.EndMembershipAsync(connection, transaction, memberId, left);
            await AllianceStore.AdjustMemberCountAsync(connection, transaction, id, -1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(RemoveMember),
                row.AllianceState.ToString(), row.AllianceState.ToString(), $"{member.CreditCode} left on {left:yyyy-MM-dd}");
            return ended.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<ListMembersResponse> ListMembers(ListMembersRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseAllianceName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent, request.ShowLeft);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListMembersAsync(id, request.ShowLeft, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListMembersResponse { NextPageToken = next };
        response.Members.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Evaluation> RecordEvaluation(RecordEvaluationRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseAllianceName(request.Parent, "parent");
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Range("score", request.Score, AllianceGrading.MinScore, AllianceGrading.MaxScore);
        violations.Range("year", request.Year, 2000, Dates.Today.Year);
        violations.Text("remarks", request.Remarks, MaxReasonLength, required: false);
        violations.ThrowIfAny();

        var name = AllianceNames.Alliance(id);
        var call = new WriteCall(nameof(RecordEvaluation), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.IsAdmin)
            {
                ApiErrors.PermissionDenied("Only the city's admins evaluate alliances.");
            }
            if (!AllianceLifecycle.IsEvaluated(row.AllianceState))
            {
                ApiErrors.InvalidState(name, nameof(RecordEvaluation), row.AllianceState.ToString());
            }
            var grade = AllianceGrading.Grade(request.Score);
            var inserted = await AllianceStore.InsertEvaluationAsync(connection, transaction, new EvaluationRow
            {
                AllianceId = id, Year = request.Year, Score = request.Score, Grade = (short)grade, Remarks = request.Remarks.Trim(),
            });
            if (inserted is null)
            {
                ApiErrors.AlreadyExists($"{name}/evaluations/{request.Year} already exists.");
            }
            await AuditLog.WriteAsync(connection, transaction, caller, name, $"{name}/evaluations/{request.Year}", nameof(RecordEvaluation),
                row.AllianceState.ToString(), row.AllianceState.ToString(), $"score {request.Score}: {grade}");
            return inserted.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<ListEvaluationsResponse> ListEvaluations(ListEvaluationsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseAllianceName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent);
        var afterText = Page.After(request.PageToken, fingerprint, violations);
        var afterYear = 0;
        if (afterText is not null && !int.TryParse(afterText, out afterYear))
        {
            violations.Add("page_token", "is not a page token this service issued.");
        }
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListEvaluationsAsync(id, afterYear, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), fingerprint);
        var response = new ListEvaluationsResponse { NextPageToken = next };
        response.Evaluations.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseAllianceName(request.Parent, "parent");
        var (entries, next) = await AuditLog.PageAsync(store.DataSource, request.Parent, request.PageSize, request.PageToken, async () =>
        {
            var alliance = await RequireReadableAsync(context, caller, id, request.Parent);
            if (!caller.IsAdmin && !caller.ActsFor(alliance.LeadOrganization.CreditCode))
            {
                ApiErrors.PermissionDenied("The audit trail is for the lead organisation and the city's admins.");
            }
        }, context.CancellationToken);
        return new ListAuditEntriesResponse { NextPageToken = next, AuditEntries = { entries } };
    }

    private async Task<Alliance> TransitionAsync(IMessage request, string allianceName, string etag, string requestId,
        AllianceAction action, string? reason, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(requestId);
        if (!AllianceNames.TryParseAlliance(allianceName, out var id))
        {
            violations.Add("name", "must look like alliances/{alliance}.");
        }
        if (reason is "")
        {
            violations.Add("reason", "is required: say what must change.");
        }
        else if (reason is not null)
        {
            violations.Text("reason", reason, MaxReasonLength);
        }
        violations.ThrowIfAny();

        var method = $"{action}Alliance";
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, allianceName);
            var allowed = AllianceLifecycle.IsAdminAct(action) ? caller.IsAdmin : caller.CanEditFor(row.LeadCode);
            if (!allowed)
            {
                ApiErrors.PermissionDenied(AllianceLifecycle.IsAdminAct(action)
                    ? $"Only the city's admins may {action} an alliance."
                    : $"Only an owner or editor of the lead organisation may {action} {allianceName}.");
            }
            ApiErrors.CheckEtag(etag, row.Etag, allianceName);
            if (AllianceLifecycle.Next(row.AllianceState, action) is not { } next)
            {
                ApiErrors.InvalidState(allianceName, method, row.AllianceState.ToString());
                return null!;
            }
            if (action == AllianceAction.Approve)
            {
                CheckApprovable(await AllianceStore.CurrentMembersAsync(connection, transaction, id));
            }
            var updated = await AllianceStore.SetStateAsync(connection, transaction, id, (short)next, reason?.Trim() ?? "");
            await AuditLog.WriteAsync(connection, transaction, caller, allianceName, allianceName, method,
                row.AllianceState.ToString(), next.ToString(), reason?.Trim() ?? "");
            return updated.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    /// <summary>Approval joins industry and academia: an enterprise, a university or research institute, exactly one lead.</summary>
    private static void CheckApprovable(IReadOnlyList<(short Kind, short Role)> members)
    {
        var problems = new List<string>();
        if (!members.Any(m => m.Kind == (short)OrganizationKind.Enterprise))
        {
            problems.Add("at least one enterprise");
        }
        if (!members.Any(m => m.Kind is (short)OrganizationKind.University or (short)OrganizationKind.ResearchInstitute))
        {
            problems.Add("at least one university or research institute");
        }
        if (members.Count(m => m.Role == (short)Member.Types.Role.Lead) != 1)
        {
            problems.Add("exactly one current lead");
        }
        if (problems.Count > 0)
        {
            ApiErrors.FailedPrecondition("MEMBERSHIP_INCOMPLETE",
                $"Approval needs {string.Join(", ", problems)} among the current members.");
        }
    }

    private async Task<Alliance?> ReadAsync(Guid id, CancellationToken cancellationToken)
    {
        var key = CacheKey(id);
        if (await cache.GetAsync(key) is { } cached)
        {
            return Alliance.Parser.ParseFrom(cached);
        }
        var row = await store.FindAsync(id, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var alliance = row.ToProto();
        await cache.SetAsync(key, alliance.ToByteArray());
        return alliance;
    }

    private async Task<bool> CanReadAsync(Caller caller, Alliance alliance, Guid id, CancellationToken cancellationToken)
    {
        var lead = alliance.LeadOrganization.CreditCode;
        if (AllianceAccess.DecidedWithoutMembership(caller, lead, alliance.State))
        {
            return AllianceAccess.CanRead(caller, lead, alliance.State, callerIsCurrentMember: false);
        }
        return AllianceAccess.CanRead(caller, lead, alliance.State, await store.IsCurrentMemberAsync(id, caller.Organization, cancellationToken));
    }

    /// <summary>The alliance when the caller may see it (by the visibility rule or a partner grant); NOT_FOUND otherwise.</summary>
    private async Task<Alliance> RequireReadableAsync(ServerCallContext context, Caller caller, Guid id, string name)
    {
        var alliance = await ReadAsync(id, context.CancellationToken);
        if (alliance is null || !await grants.CanReadAsync(context, caller, AllianceNames.Alliance(id), alliance.LeadOrganization.CreditCode,
                await CanReadAsync(caller, alliance, id, context.CancellationToken)))
        {
            ApiErrors.NotFound(name);
        }
        return alliance;
    }

    private static async Task<bool> VisibleByRuleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid id, AllianceRow row)
    {
        var member = !AllianceAccess.DecidedWithoutMembership(caller, row.LeadCode, row.AllianceState)
            && await AllianceStore.IsCurrentMemberAsync(connection, transaction, id, caller.Organization);
        return AllianceAccess.CanRead(caller, row.LeadCode, row.AllianceState, member);
    }

    /// <summary>Locks the alliance; NOT_FOUND when it does not exist or the caller may not see it (by rule or grant).</summary>
    private async Task<AllianceRow> LockVisibleAsync(ServerCallContext context, NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, Guid id, string name)
    {
        var row = await AllianceStore.LockAsync(connection, transaction, id);
        if (row is null || !await grants.CanReadAsync(context, caller, AllianceNames.Alliance(id), row.LeadCode,
                await VisibleByRuleAsync(connection, transaction, caller, id, row)))
        {
            ApiErrors.NotFound(name);
        }
        return row;
    }

    private static async Task<AllianceRow> InsertUniqueAsync(Func<Task<AllianceRow>> write, string displayName)
    {
        try
        {
            return await write();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "alliances_live_name")
        {
            ApiErrors.AlreadyExists($"An alliance named '{displayName}' already exists.");
            throw;
        }
    }

    private static void ValidateDetails(Alliance alliance, FieldViolations violations, string prefix, IReadOnlyCollection<string>? only = null)
    {
        bool Checks(string path) => only is null || only.Contains(path);
        if (Checks("display_name"))
        {
            violations.Text(prefix + "display_name", alliance.DisplayName, MaxNameLength);
        }
        if (Checks("short_name"))
        {
            violations.Text(prefix + "short_name", alliance.ShortName, MaxShortNameLength, required: false);
        }
        if (Checks("industry_chain"))
        {
            violations.Text(prefix + "industry_chain", alliance.IndustryChain, MaxChainLength);
        }
        if (Checks("charter_summary"))
        {
            violations.Text(prefix + "charter_summary", alliance.CharterSummary, MaxCharterLength, required: false);
        }
        if (Checks("founded_date") && alliance.FoundedDate.IsSet())
        {
            if (alliance.FoundedDate.ToDateOnly() is not { } founded)
            {
                violations.Add(prefix + "founded_date", "is not a valid calendar date.");
            }
            else if (founded > Dates.Today)
            {
                violations.Add(prefix + "founded_date", "must not be in the future.");
            }
        }
    }

    private static Guid ParseAllianceName(string name, string field)
    {
        if (!AllianceNames.TryParseAlliance(name, out var id))
        {
            ApiErrors.InvalidArgument(field, "must look like alliances/{alliance}.");
        }
        return id;
    }

    private static string CacheKey(Guid id) => $"alliance:{id:D}";

    private static string Required(string reason) => reason ?? "";

    private static string? Optional(string reason) => string.IsNullOrWhiteSpace(reason) ? null : reason;
}
