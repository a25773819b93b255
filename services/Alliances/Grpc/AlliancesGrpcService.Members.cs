// Members (alliances/{alliance}/members): links the invited organisation consents to (Shared/Links/LinkConsent.cs);
// history is kept, never overwritten.
//
// RPC           | SQL: Data/AllianceStore.cs                                | rule
// AddMember     | InsertMemberAsync (invited), AdjustMemberCountAsync(0)    | AllianceLifecycle.AcceptsMembershipChanges; the directory's name and kind
// AcceptMember  | LockMemberAsync, AcceptAsync, AdjustMemberCountAsync(+1)  | LinkConsent.MayAct/Next: the invited organisation's owner or editor
// DeclineMember | LockMemberAsync, DeclineAsync, AdjustMemberCountAsync(0)  | LinkConsent.MayAct/Next: the invited organisation's owner or editor
// RemoveMember  | LockMemberAsync, EndLinkAsync, AdjustMemberCountAsync     | LinkConsent.RemovalBy: the lead withdraws or removes, the member leaves
// ListMembers   | ListMembersAsync                                          | AllianceAccess.CanRead (of the alliance)

using Collaboration.Alliances.Data;
using Collaboration.Alliances.Model;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Links;
using Collaboration.Shared.Paging;
using Grpc.Core;
using Npgsql;

namespace Collaboration.Alliances.Grpc;

public sealed partial class AlliancesGrpcService
{
    private const int MaxDeclineReasonLength = 500;

    public override async Task<Member> AddMember(AddMemberRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseAllianceName(request.Parent, "parent");
        var member = request.Member ?? new Member();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.CreditCode("member.organization.credit_code", member.Organization?.CreditCode);
        violations.DefinedEnum("member.role", member.Role);
        if (member.Role == Member.Types.Role.Lead)
        {
            violations.Add("member.role", "the lead is the alliance's lead organisation; add others as vice-chair, member or observer.");
        }
        DateOnly? joined = null;
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
        // Name and kind are the directory's: a typed kind never counts for approval.
        var organization = await directory.LookupAsync(context, member.Organization!.CreditCode, "member.organization.credit_code");

        var name = AllianceNames.Alliance(id);
        var call = new WriteCall(nameof(AddMember), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.LeadCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the lead organisation may invite members to {name}.");
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
                    CreditCode = organization.CreditCode,
                    OrgName = organization.Name,
                    OrgKind = (short)organization.Kind,
                    Role = (short)member.Role,
                    JoinedDate = joined?.ToDateTime(TimeOnly.MinValue),
                    State = (short)LinkState.Invited,
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                ApiErrors.AlreadyExists($"{organization.CreditCode} is already invited to or a member of {name}.");
                throw;
            }
            // An invitation changes what the alliance shows (its etag moves) but not its member count.
            await AllianceStore.AdjustMemberCountAsync(connection, transaction, id, 0);
            // The audit's from/to states are the alliance's (unchanged by membership acts); the detail says what happened to the link.
            await AuditLog.WriteAsync(connection, transaction, caller, name, AllianceNames.Member(id, added.Id), nameof(AddMember),
                row.AllianceState.ToString(), row.AllianceState.ToString(), $"{added.CreditCode} invited as {(Member.Types.Role)added.Role}");
            return added.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Member> AcceptMember(AcceptMemberRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations().RequestId(request.RequestId);
        var (id, memberId) = ParseMemberName(request.Name, violations);
        violations.ThrowIfAny();
        return await AnswerAsync(request, nameof(AcceptMember), request.Name, request.RequestId, id, memberId, LinkAction.Accept, null, context);
    }

    public override async Task<Member> DeclineMember(DeclineMemberRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations().RequestId(request.RequestId);
        var (id, memberId) = ParseMemberName(request.Name, violations);
        violations.Text("reason", request.Reason, MaxDeclineReasonLength);
        violations.ThrowIfAny();
        return await AnswerAsync(request, nameof(DeclineMember), request.Name, request.RequestId, id, memberId, LinkAction.Decline,
            request.Reason.Trim(), context);
    }

    /// <summary>The invited organisation's answer: only its own owner or editor gives it, only while invited.</summary>
    private async Task<Member> AnswerAsync(Google.Protobuf.IMessage request, string method, string memberName, string requestId, Guid id, Guid memberId,
        LinkAction action, string? reason, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var name = AllianceNames.Alliance(id);
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            var member = await AllianceStore.LockMemberAsync(connection, transaction, id, memberId);
            if (member is null)
            {
                ApiErrors.NotFound(memberName);
            }
            if (!LinkConsent.MayAct(caller, action, member.CreditCode, hostMayWrite: caller.CanEditFor(row.LeadCode)))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of {member.CreditCode} answers its invitation; nobody answers for another organisation.");
            }
            if (!AllianceLifecycle.AcceptsMembershipChanges(row.AllianceState))
            {
                ApiErrors.InvalidState(name, method, row.AllianceState.ToString());
            }
            if (LinkConsent.Next(member.LinkState, action) is not { } next)
            {
                ApiErrors.InvalidState(memberName, method, member.LinkState.ToString());
                return null!;
            }
            MemberRow answered;
            if (next == LinkState.Active)
            {
                answered = await AllianceStore.AcceptAsync(connection, transaction, memberId, Dates.Today);
                await AllianceStore.AdjustMemberCountAsync(connection, transaction, id, +1);
            }
            else
            {
                answered = await AllianceStore.DeclineAsync(connection, transaction, memberId, reason ?? "");
                await AllianceStore.AdjustMemberCountAsync(connection, transaction, id, 0);
            }
            await AuditLog.WriteAsync(connection, transaction, caller, name, memberName, method,
                row.AllianceState.ToString(), row.AllianceState.ToString(),
                $"{member.CreditCode}: {member.LinkState} → {next}" + (reason is null ? "" : $": {reason}"));
            return answered.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Member> RemoveMember(RemoveMemberRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        var (id, memberId) = ParseMemberName(request.Name, violations);
        DateOnly? requestedLeft = null;
        if (request.LeftDate.IsSet())
        {
            if (request.LeftDate.ToDateOnly() is { } date)
            {
                requestedLeft = date;
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
            var action = LinkConsent.RemovalBy(caller.ActsFor(member.CreditCode), member.LinkState);
            if (!LinkConsent.MayAct(caller, action, member.CreditCode, hostMayWrite: caller.CanEditFor(row.LeadCode)))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the lead organisation, or of the member itself (to leave), may end a membership of {name}.");
            }
            if (!AllianceLifecycle.AcceptsMembershipChanges(row.AllianceState))
            {
                ApiErrors.InvalidState(name, nameof(RemoveMember), row.AllianceState.ToString());
            }
            if (member.Role == (short)Member.Types.Role.Lead)
            {
                ApiErrors.FailedPrecondition("LEAD_CANNOT_LEAVE", "The lead organisation cannot leave its own alliance; dissolve it instead.");
            }
            if (LinkConsent.Next(member.LinkState, action) is not { } next)
            {
                if (member.LinkState == LinkState.Left)
                {
                    ApiErrors.FailedPrecondition("ALREADY_LEFT", $"{request.Name} already left the alliance.");
                }
                ApiErrors.InvalidState(request.Name, $"{nameof(RemoveMember)} ({action})", member.LinkState.ToString());
                return null!;
            }
            DateOnly? left = null;
            if (next == LinkState.Left)
            {
                left = requestedLeft ?? Dates.Today;
                if (member.JoinedDate is { } joined && left < DateOnly.FromDateTime(joined))
                {
                    ApiErrors.InvalidArgument("left_date", "must not be before the joined date.");
                }
            }
            var ended = await AllianceStore.EndLinkAsync(connection, transaction, memberId, next, left);
            await AllianceStore.AdjustMemberCountAsync(connection, transaction, id, LinkConsent.Counts(member.LinkState) ? -1 : 0);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(RemoveMember),
                row.AllianceState.ToString(), row.AllianceState.ToString(),
                $"{member.CreditCode}: {member.LinkState} → {next} ({action.ToString().ToLowerInvariant()})" + (left is { } on ? $" on {on:yyyy-MM-dd}" : ""));
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

    private static (Guid Alliance, Guid Member) ParseMemberName(string name, FieldViolations violations)
    {
        if (!AllianceNames.TryParseMember(name, out var id, out var memberId))
        {
            violations.Add("name", "must look like alliances/{alliance}/members/{member}.");
        }
        return (id, memberId);
    }
}
