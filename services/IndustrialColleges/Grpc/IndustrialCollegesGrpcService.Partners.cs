// Partners (industrialColleges/{college}/partners): links to the co-building enterprises, each consented to by the
// enterprise (Shared/Links/LinkConsent.cs: invited → active | declined | withdrawn; active → left); history is kept.
//
// RPC            | SQL: Data/IndustrialCollegeStore.cs                        | rule
// AddPartner     | InsertPartnerAsync, AdjustPartnerCountAsync (0)            | directory: a registered enterprise; CollegeLifecycle.IsEditable
// AcceptPartner  | LockPartnerAsync, AcceptPartnerAsync, AdjustPartnerCount…  | LinkConsent.MayAct/.Next (the invited enterprise only)
// DeclinePartner | LockPartnerAsync, DeclinePartnerAsync, AdjustPartnerCount… | LinkConsent.MayAct/.Next (the invited enterprise only)
// RemovePartner  | LockPartnerAsync, EndPartnershipAsync, AdjustPartnerCount… | LinkConsent.RemovalBy: host withdraws/removes, partner leaves
// ListPartners   | ListPartnersAsync                                          | CollegeAccess.CanRead (of the college)

using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Links;
using Collaboration.Shared.Paging;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;

namespace Collaboration.IndustrialColleges.Grpc;

public sealed partial class IndustrialCollegesGrpcService
{
    private const int MaxDeclineReasonLength = 500;

    public override async Task<Partner> AddPartner(AddPartnerRequest request, ServerCallContext context)
    {
        const string OrganizationField = "partner.organization.credit_code";
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var partner = request.Partner ?? new Partner();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.CreditCode(OrganizationField, partner.Organization?.CreditCode);
        violations.DefinedEnum("partner.role", partner.Role);
        var joined = OptionalDate(partner.JoinedDate, "partner.joined_date", violations);
        violations.ThrowIfAny();

        // The enterprise is who the directory says it is, whatever name or kind the request typed.
        var enterprise = await directory.LookupAsync(context, partner.Organization!.CreditCode, OrganizationField);
        if (enterprise.Kind != OrganizationKind.Enterprise)
        {
            ApiErrors.InvalidArgument(OrganizationField,
                $"{enterprise.CreditCode} is registered as {Caller.KindClaim(enterprise.Kind)}; the partners of an industrial college are enterprises.");
        }

        var name = CollegeNames.College(id);
        var call = new WriteCall(nameof(AddPartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host college may invite the partners of {name}.");
            }
            if (!CollegeLifecycle.IsEditable(row.CollegeState))
            {
                ApiErrors.InvalidState(name, nameof(AddPartner), row.CollegeState.ToString());
            }
            PartnerRow added;
            try
            {
                added = await IndustrialCollegeStore.InsertPartnerAsync(connection, transaction, new PartnerRow
                {
                    Id = Guid.CreateVersion7(),
                    CollegeId = id,
                    CreditCode = enterprise.CreditCode,
                    OrgName = enterprise.Name,
                    OrgKind = (short)enterprise.Kind,
                    Role = (short)partner.Role,
                    State = (short)LinkState.Invited,
                    JoinedDate = joined?.ToDateTime(TimeOnly.MinValue),
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                ApiErrors.AlreadyExists($"{enterprise.CreditCode} is already invited to or a partner of {name}.");
                throw;
            }
            // An invitation counts for nothing yet, but it is a change of the college: its etag moves.
            await IndustrialCollegeStore.AdjustPartnerCountAsync(connection, transaction, id, 0);
            await AuditLinkAsync(connection, transaction, caller, row, added.Id, nameof(AddPartner), LinkState.Unspecified, LinkState.Invited,
                $"{added.CreditCode} invited as {(Partner.Types.Role)added.Role}");
            return added.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override Task<Partner> AcceptPartner(AcceptPartnerRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations().RequestId(request.RequestId);
        return AnswerAsync(request, request.Name, request.RequestId, LinkAction.Accept, null, violations, context);
    }

    public override Task<Partner> DeclinePartner(DeclinePartnerRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Text("reason", request.Reason, MaxDeclineReasonLength);
        return AnswerAsync(request, request.Name, request.RequestId, LinkAction.Decline, request.Reason?.Trim(), violations, context);
    }

    /// <summary>The invited enterprise's answer: only its own owner or editor gives it, never the host or an admin.</summary>
    private async Task<Partner> AnswerAsync(IMessage request, string partnerName, string requestId, LinkAction action, string? reason,
        FieldViolations violations, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var (id, partnerId) = ParsePartnerName(partnerName, violations);
        violations.ThrowIfAny();

        var method = action == LinkAction.Accept ? nameof(AcceptPartner) : nameof(DeclinePartner);
        var name = CollegeNames.College(id);
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (row, partner) = await LockPartnerAsync(context, connection, transaction, caller, id, partnerId, partnerName);
            if (!LinkConsent.MayAct(caller, action, partner.CreditCode, hostMayWrite: false))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of {partner.CreditCode}, the invited enterprise, may answer {partnerName}.");
            }
            var next = NextLinkState(row, partner, action, method, partnerName);
            PartnerRow answered;
            if (action == LinkAction.Accept)
            {
                answered = await IndustrialCollegeStore.AcceptPartnerAsync(connection, transaction, partnerId, (short)next, Dates.Today);
                await IndustrialCollegeStore.AdjustPartnerCountAsync(connection, transaction, id, +1);
            }
            else
            {
                answered = await IndustrialCollegeStore.DeclinePartnerAsync(connection, transaction, partnerId, (short)next, reason!);
                await IndustrialCollegeStore.AdjustPartnerCountAsync(connection, transaction, id, 0);
            }
            await AuditLinkAsync(connection, transaction, caller, row, partnerId, method, partner.LinkState, next,
                reason is null ? partner.CreditCode : $"{partner.CreditCode}: {reason}");
            return answered.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Partner> RemovePartner(RemovePartnerRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        var (id, partnerId) = ParsePartnerName(request.Name, violations);
        var requestedLeft = OptionalDate(request.LeftDate, "left_date", violations);
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(RemovePartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (row, partner) = await LockPartnerAsync(context, connection, transaction, caller, id, partnerId, request.Name);
            // The enterprise itself leaves; anyone else acts for the host (withdraws an invitation or removes a partner).
            var action = LinkConsent.RemovalBy(caller.ActsFor(partner.CreditCode), partner.LinkState);
            if (!LinkConsent.MayAct(caller, action, partner.CreditCode, hostMayWrite: caller.CanEditFor(row.HostCode)))
            {
                ApiErrors.PermissionDenied(action == LinkAction.Leave
                    ? $"Only an owner or editor of {partner.CreditCode} may leave {CollegeNames.College(id)} on its behalf."
                    : $"Only an owner or editor of the host college may withdraw or remove the partners of {CollegeNames.College(id)}.");
            }
            var next = NextLinkState(row, partner, action, nameof(RemovePartner), request.Name);
            DateOnly? left = null;
            if (next == LinkState.Left)
            {
                left = requestedLeft ?? Dates.Today;
                if (partner.JoinedDate is { } joined && left < DateOnly.FromDateTime(joined))
                {
                    ApiErrors.InvalidArgument("left_date", "must not be before the joined date.");
                }
            }
            // The link ends; the courses, bases and mentors the partner contributed stay on record.
            var ended = await IndustrialCollegeStore.EndPartnershipAsync(connection, transaction, partnerId, (short)next, left);
            await IndustrialCollegeStore.AdjustPartnerCountAsync(connection, transaction, id, LinkConsent.Counts(partner.LinkState) ? -1 : 0);
            var what = action switch { LinkAction.Leave => "left", LinkAction.Remove => "removed", _ => "invitation withdrawn" };
            await AuditLinkAsync(connection, transaction, caller, row, partnerId, nameof(RemovePartner), partner.LinkState, next,
                left is { } on ? $"{partner.CreditCode} {what} on {on:yyyy-MM-dd}" : $"{partner.CreditCode} {what}");
            return ended.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<ListPartnersResponse> ListPartners(ListPartnersRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent, request.ShowRemoved);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListPartnersAsync(id, request.ShowRemoved, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListPartnersResponse { NextPageToken = next };
        response.Partners.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    private static (Guid CollegeId, Guid PartnerId) ParsePartnerName(string name, FieldViolations violations)
    {
        if (!CollegeNames.TryParseChild(name, CollegeNames.Partners, out var id, out Guid partnerId))
        {
            violations.Add("name", "must look like industrialColleges/{college}/partners/{partner}.");
        }
        return (id, partnerId);
    }

    /// <summary>Locks the college (NOT_FOUND unless the caller may read it) and the partner link (NOT_FOUND when it has none such).</summary>
    private async Task<(CollegeRow Row, PartnerRow Partner)> LockPartnerAsync(ServerCallContext context, NpgsqlConnection connection,
        NpgsqlTransaction transaction, Caller caller, Guid id, Guid partnerId, string partnerName)
    {
        var row = await LockVisibleAsync(context, connection, transaction, caller, id, CollegeNames.College(id));
        var partner = await IndustrialCollegeStore.LockPartnerAsync(connection, transaction, id, partnerId);
        if (partner is null)
        {
            ApiErrors.NotFound(partnerName);
        }
        return (row, partner);
    }

    /// <summary>The link's next state under the consent table, while the college allows the act; FAILED_PRECONDITION otherwise.</summary>
    private static LinkState NextLinkState(CollegeRow row, PartnerRow partner, LinkAction action, string method, string partnerName)
    {
        if (!CollegeLifecycle.AllowsLinkAct(row.CollegeState, action))
        {
            ApiErrors.InvalidState(CollegeNames.College(row.Id), method, row.CollegeState.ToString());
        }
        if (LinkConsent.Next(partner.LinkState, action) is not { } next)
        {
            ApiErrors.InvalidState(partnerName, $"{method} ({action.ToString().ToLowerInvariant()})", partner.LinkState.ToString());
            return default;
        }
        return next;
    }

    private static Task AuditLinkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, CollegeRow row, Guid partnerId,
        string method, LinkState from, LinkState to, string detail) =>
        AuditLog.WriteAsync(connection, transaction, caller, CollegeNames.College(row.Id), CollegeNames.Child(row.Id, CollegeNames.Partners, partnerId),
            method, from == LinkState.Unspecified ? "" : from.ToString(), to.ToString(), detail);

    private static DateOnly? OptionalDate(Google.Type.Date? date, string field, FieldViolations violations)
    {
        if (!date.IsSet())
        {
            return null;
        }
        if (date.ToDateOnly() is { } value)
        {
            return value;
        }
        violations.Add(field, "is not a valid calendar date.");
        return null;
    }
}
