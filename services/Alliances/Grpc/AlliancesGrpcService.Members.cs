// Members (alliances/{alliance}/members): dated links with a role; history is kept, never overwritten.
//
// RPC          | SQL: Data/AllianceStore.cs                                   | rule: Model/
// AddMember    | InsertMemberAsync, AdjustMemberCountAsync                    | AllianceLifecycle.AcceptsMembershipChanges
// RemoveMember | LockMemberAsync, EndMembershipAsync, AdjustMemberCountAsync | AllianceLifecycle.AcceptsMembershipChanges
// ListMembers  | ListMembersAsync                                             | AllianceAccess.CanRead (of the alliance)

using Collaboration.Alliances.Data;
using Collaboration.Alliances.Model;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Grpc.Core;
using Npgsql;

namespace Collaboration.Alliances.Grpc;

public sealed partial class AlliancesGrpcService
{
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
}
