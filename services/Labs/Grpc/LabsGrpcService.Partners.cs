// Partners (labs/{lab}/partners): dated links to partner universities and institutes; history is kept.
//
// RPC              | SQL: Data/LabStore.cs                                           | rule: Model/
// AddLabPartner    | InsertPartnerAsync, AdjustPartnerCountAsync                     | LabLifecycle.IsFinal
// RemoveLabPartner | LockPartnerAsync, EndPartnershipAsync, AdjustPartnerCountAsync | -
// ListLabPartners  | ListPartnersAsync                                               | LabRules.CanRead (of the platform)

using Collaboration.Common.V1;
using Collaboration.Labs.Data;
using Collaboration.Labs.Model;
using Collaboration.Labs.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
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
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.CreditCode("partner.organization.credit_code", partner.Organization?.CreditCode);
        violations.Text("partner.organization.name", partner.Organization?.Name, MaxNameLength);
        violations.DefinedEnum("partner.organization.kind", partner.Organization?.Kind ?? OrganizationKind.Unspecified);
        var joined = ParseDate(partner.JoinedDate, "partner.joined_date", violations) ?? Dates.Today;
        violations.ThrowIfAny();

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
            if (partner.Organization!.CreditCode == row.HostCode)
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
                    CreditCode = partner.Organization.CreditCode,
                    OrgName = partner.Organization.Name.Trim(),
                    OrgKind = (short)partner.Organization.Kind,
                    JoinedDate = joined.ToDateTime(TimeOnly.MinValue),
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                ApiErrors.AlreadyExists($"{partner.Organization.CreditCode} is already a current partner of {name}.");
                throw;
            }
            await LabStore.AdjustPartnerCountAsync(connection, transaction, id, +1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, LabNames.Partner(id, added.Id), nameof(AddLabPartner),
                row.LabState.ToString(), row.LabState.ToString(), added.CreditCode);
            return added.ToProto();
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
        var left = ParseDate(request.LeftDate, "left_date", violations) ?? Dates.Today;
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
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may change the partners of {name}.");
            }
            if (partner.LeftDate is not null)
            {
                ApiErrors.FailedPrecondition("ALREADY_LEFT", $"{request.Name} already left the platform.");
            }
            if (left < DateOnly.FromDateTime(partner.JoinedDate))
            {
                ApiErrors.InvalidArgument("left_date", "must not be before the joined date.");
            }
            var ended = await LabStore.EndPartnershipAsync(connection, transaction, partnerId, left);
            await LabStore.AdjustPartnerCountAsync(connection, transaction, id, -1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(RemoveLabPartner),
                row.LabState.ToString(), row.LabState.ToString(), $"{partner.CreditCode} left on {left:yyyy-MM-dd}");
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
