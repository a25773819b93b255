// Partners (labs/{lab}/partners): dated links the partner consents to (Shared/Links/LinkConsent.cs); history is kept.
//
// RPC               | SQL: Data/LabStore.cs                                           | rule
// AddLabPartner     | InsertPartnerAsync (INVITED)                                    | the directory; LabLifecycle.IsFinal
// AcceptLabPartner  | LockPartnerAsync, SetLinkStateAsync, AdjustPartnerCountAsync    | LinkConsent.MayAct, .Next (Accept)
// DeclineLabPartner | LockPartnerAsync, SetLinkStateAsync                             | LinkConsent.MayAct, .Next (Decline)
// RemoveLabPartner  | LockPartnerAsync, SetLinkStateAsync, AdjustPartnerCountAsync    | LinkConsent.RemovalBy: withdraw, remove or leave
// ListLabPartners   | ListPartnersAsync                                               | LabRules.CanRead (of the platform)

using Collaboration.Common.V1;
using Collaboration.Labs.Data;
using Collaboration.Labs.Model;
using Collaboration.Labs.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Links;
using Collaboration.Shared.Paging;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;

namespace Collaboration.Labs.Grpc;

public sealed partial class LabsGrpcService
{
    public override async Task<Partner> AddLabPartner(AddLabPartnerRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var partner = request.Partner ?? new Partner();
        const string codeField = "partner.organization.credit_code";
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.CreditCode(codeField, partner.Organization?.CreditCode);
        var joined = ParseDate(partner.JoinedDate, "partner.joined_date", violations);
        violations.ThrowIfAny();
        var invited = await directory.LookupAsync(context, partner.Organization!.CreditCode, codeField);

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(AddLabPartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may change the partners of {name}.");
            }
            if (LabLifecycle.IsFinal(row.LabState))
            {
                ApiErrors.InvalidState(name, nameof(AddLabPartner), row.LabState.ToString());
            }
            if (invited.CreditCode == row.HostCode)
            {
                ApiErrors.FailedPrecondition("HOST_IS_NOT_A_PARTNER", $"{row.HostCode} hosts {name}; it cannot also be its partner.");
            }
            PartnerRow added;
            try
            {
                added = await LabStore.InsertPartnerAsync(connection, transaction, new PartnerRow
                {
                    Id = Guid.CreateVersion7(),
                    LabId = id,
                    CreditCode = invited.CreditCode,
                    OrgName = invited.Name,
                    OrgKind = (short)invited.Kind,
                    JoinedDate = joined?.ToDateTime(TimeOnly.MinValue),
                    State = (short)LinkState.Invited,
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                ApiErrors.AlreadyExists($"{invited.CreditCode} is already invited to or a partner of {name}.");
                throw;
            }
            await AuditLog.WriteAsync(connection, transaction, caller, name, LabNames.Partner(id, added.Id), nameof(AddLabPartner),
                "", LinkState.Invited.ToString(), $"{added.CreditCode} invited");
            return added.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override Task<Partner> AcceptLabPartner(AcceptLabPartnerRequest request, ServerCallContext context) =>
        AnswerAsync(request, request.Name, request.RequestId, LinkAction.Accept, null, context);

    public override Task<Partner> DeclineLabPartner(DeclineLabPartnerRequest request, ServerCallContext context) =>
        AnswerAsync(request, request.Name, request.RequestId, LinkAction.Decline, request.Reason, context);

    /// <summary>The invited organisation's answer: only its own owners and editors give it, never the host or an admin.</summary>
    private async Task<Partner> AnswerAsync(IMessage request, string partnerName, string requestId, LinkAction action, string? reason,
        ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(requestId);
        if (!LabNames.TryParseChild(partnerName, LabNames.Partners, out var id, out var partnerId))
        {
            violations.Add("name", "must look like labs/{lab}/partners/{partner}.");
        }
        if (reason is not null)
        {
            violations.Text("reason", reason, MaxDeclineReasonLength);
        }
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var method = action == LinkAction.Accept ? nameof(AcceptLabPartner) : nameof(DeclineLabPartner);
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, partnerName);
            var partner = await LabStore.LockPartnerAsync(connection, transaction, id, partnerId);
            if (partner is null)
            {
                ApiErrors.NotFound(partnerName);
            }
            if (!LinkConsent.MayAct(caller, action, partner.CreditCode, caller.CanEditFor(row.HostCode)))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of {partner.CreditCode} may answer its invitation to {name}.");
            }
            if (LinkConsent.Next(partner.LinkState, action) is not { } next)
            {
                ApiErrors.InvalidState(partnerName, method, partner.LinkState.ToString());
                return null!;
            }
            if (action == LinkAction.Accept && LabLifecycle.IsFinal(row.LabState))
            {
                ApiErrors.InvalidState(name, method, row.LabState.ToString());
            }
            var answered = await LabStore.SetLinkStateAsync(connection, transaction, partnerId, next, answered: true,
                joinedIfUnset: action == LinkAction.Accept ? Dates.Today : null, leftDate: null, declineReason: reason?.Trim() ?? "");
            if (LinkConsent.Counts(next))
            {
                await LabStore.AdjustPartnerCountAsync(connection, transaction, id, +1);
            }
            await AuditLog.WriteAsync(connection, transaction, caller, name, partnerName, method,
                partner.LinkState.ToString(), next.ToString(), reason is null ? partner.CreditCode : $"{partner.CreditCode}: {reason.Trim()}");
            return answered.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Partner> RemoveLabPartner(RemoveLabPartnerRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!LabNames.TryParseChild(request.Name, LabNames.Partners, out var id, out var partnerId))
        {
            violations.Add("name", "must look like labs/{lab}/partners/{partner}.");
        }
        var left = ParseDate(request.LeftDate, "left_date", violations);
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(RemoveLabPartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            var partner = await LabStore.LockPartnerAsync(connection, transaction, id, partnerId);
            if (partner is null)
            {
                ApiErrors.NotFound(request.Name);
            }
            // The partner itself leaves; anyone else is the host withdrawing an invitation or removing a partner.
            var action = LinkConsent.RemovalBy(caller.ActsFor(partner.CreditCode), partner.LinkState);
            if (!LinkConsent.MayAct(caller, action, partner.CreditCode, caller.CanEditFor(row.HostCode)))
            {
                ApiErrors.PermissionDenied(action == LinkAction.Leave
                    ? $"Only an owner or editor of {partner.CreditCode} may take it out of {name}."
                    : $"Only an owner or editor of the host organisation may change the partners of {name}.");
            }
            if (LinkConsent.Next(partner.LinkState, action) is not { } next)
            {
                ApiErrors.InvalidState(request.Name, nameof(RemoveLabPartner), partner.LinkState.ToString());
                return null!;
            }
            DateOnly? leftDate = null;
            if (action == LinkAction.Withdraw)
            {
                if (left is not null)
                {
                    ApiErrors.InvalidArgument("left_date", "an invitation that is withdrawn was never joined; leave left_date unset.");
                }
            }
            else
            {
                leftDate = left ?? Dates.Today;
                if (partner.JoinedDate is { } joined && leftDate < DateOnly.FromDateTime(joined))
                {
                    ApiErrors.InvalidArgument("left_date", "must not be before the joined date.");
                }
            }
            var ended = await LabStore.SetLinkStateAsync(connection, transaction, partnerId, next, answered: false,
                joinedIfUnset: null, leftDate: leftDate, declineReason: partner.DeclineReason);
            if (LinkConsent.Counts(partner.LinkState))
            {
                await LabStore.AdjustPartnerCountAsync(connection, transaction, id, -1);
            }
            var detail = action switch
            {
                LinkAction.Withdraw => $"invitation of {partner.CreditCode} withdrawn",
                LinkAction.Leave => $"{partner.CreditCode} left on {leftDate:yyyy-MM-dd}",
                _ => $"{partner.CreditCode} removed on {leftDate:yyyy-MM-dd}",
            };
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(RemoveLabPartner),
                partner.LinkState.ToString(), next.ToString(), detail);
            return ended.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<ListLabPartnersResponse> ListLabPartners(ListLabPartnersRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent, request.ShowLeft);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListPartnersAsync(id, request.ShowLeft, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListLabPartnersResponse { NextPageToken = next };
        response.Partners.AddRange(items.Select(r => r.ToProto()));
        return response;
    }
}
