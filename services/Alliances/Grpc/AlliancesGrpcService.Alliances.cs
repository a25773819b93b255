// Alliances (alliances/{alliance}): read, list, create, edit, read the audit trail.
//
// RPC              | SQL: Data/AllianceStore.cs                             | rule: Model/
// GetAlliance      | FindAsync (cached), IsLinkedAsync                      | AllianceAccess.CanRead
// ListAlliances    | ListAsync                                              | AllianceAccess.CanRead's sets (AllianceLifecycle.PublicStates, LinkConsent.LiveStates)
// CreateAlliance   | InsertAsync, InsertMemberAsync, AdjustMemberCountAsync | the lead (the caller's organisation, as the directory registers it) joins as its first, active member
// UpdateAlliance   | LockAsync, UpdateDetailsAsync                          | AllianceLifecycle.IsEditable
// ListAuditEntries | AuditLog.PageAsync (Shared)                            | lead and admins only

using Collaboration.Alliances.Data;
using Collaboration.Alliances.Model;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Grpc.Core;
using Npgsql;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Grpc;

public sealed partial class AlliancesGrpcService
{
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
        var fingerprint = Page.Fingerprint(request.State, request.IndustryChain, request.MemberCreditCode, request.FoundedYear,
            request.SharedWithMe, request.InvitationsForMe);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var shared = request.SharedWithMe ? await grants.SharedWithCallerAsync(context, caller, AllianceNames.CollectionId) : null;
        var filter = new AllianceFilter((short)request.State, request.IndustryChain, request.MemberCreditCode, request.FoundedYear, shared,
            request.InvitationsForMe);
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
        if (alliance.State != State.Unspecified)
        {
            violations.Add("alliance.state", "is output only; a new alliance starts as a draft.");
        }
        violations.ThrowIfAny();

        if (caller.IsAdmin || !caller.CanWrite || caller.OrganizationKind != OrganizationKind.Enterprise)
        {
            ApiErrors.PermissionDenied("Alliances are created by an owner or editor of the lead enterprise.");
        }
        var leadCode = string.IsNullOrEmpty(lead?.CreditCode) ? caller.Organization : lead.CreditCode;
        if (!caller.ActsFor(leadCode))
        {
            ApiErrors.PermissionDenied("An enterprise creates alliances led by its own organisation.");
        }
        // The lead's name and kind are the directory's, whatever the request typed.
        var registered = await directory.LookupAsync(context, leadCode, "alliance.lead_organization.credit_code");
        if (registered.Kind != OrganizationKind.Enterprise)
        {
            ApiErrors.FailedPrecondition("LEAD_NOT_ENTERPRISE",
                $"{leadCode} is registered as {registered.Kind}; the lead of an alliance is an enterprise.");
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
                LeadName = registered.Name,
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
                OrgKind = (short)registered.Kind,
                Role = (short)Member.Types.Role.Lead,
                JoinedDate = (founded ?? Dates.Today).ToDateTime(TimeOnly.MinValue),
                State = (short)LinkState.Active,
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
}
