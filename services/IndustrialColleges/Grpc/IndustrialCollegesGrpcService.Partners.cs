// Partners (industrialColleges/{college}/partners): dated links to the co-building enterprises; history is kept.
//
// RPC           | SQL: Data/IndustrialCollegeStore.cs                              | rule: Model/
// AddPartner    | InsertPartnerAsync, AdjustPartnerCountAsync                      | CollegeLifecycle.IsEditable
// RemovePartner | LockPartnerAsync, EndPartnershipAsync, AdjustPartnerCountAsync   | CollegeLifecycle.IsEditable
// ListPartners  | ListPartnersAsync                                                | CollegeAccess.CanRead (of the college)

using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Grpc.Core;
using Npgsql;

namespace Collaboration.IndustrialColleges.Grpc;

public sealed partial class IndustrialCollegesGrpcService
{
    public override async Task<Partner> AddPartner(AddPartnerRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var partner = request.Partner ?? new Partner();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.CreditCode("partner.organization.credit_code", partner.Organization?.CreditCode);
        violations.Text("partner.organization.name", partner.Organization?.Name, MaxNameLength);
        if (partner.Organization?.Kind is not (null or OrganizationKind.Unspecified or OrganizationKind.Enterprise))
        {
            violations.Add("partner.organization.kind", "partners of an industrial college are enterprises.");
        }
        violations.DefinedEnum("partner.role", partner.Role);
        var joined = OptionalDate(partner.JoinedDate, "partner.joined_date", violations) ?? Dates.Today;
        violations.ThrowIfAny();

        var name = CollegeNames.College(id);
        var call = new WriteCall(nameof(AddPartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host college may change the partners of {name}.");
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
                    CreditCode = partner.Organization!.CreditCode,
                    OrgName = partner.Organization.Name.Trim(),
                    Role = (short)partner.Role,
                    JoinedDate = joined.ToDateTime(TimeOnly.MinValue),
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                ApiErrors.AlreadyExists($"{partner.Organization!.CreditCode} is already a current partner of {name}.");
                throw;
            }
            await IndustrialCollegeStore.AdjustPartnerCountAsync(connection, transaction, id, +1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, CollegeNames.Child(id, CollegeNames.Partners, added.Id), nameof(AddPartner),
                row.CollegeState.ToString(), row.CollegeState.ToString(), $"{added.CreditCode} as {(Partner.Types.Role)added.Role}");
            return added.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Partner> RemovePartner(RemovePartnerRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!CollegeNames.TryParseChild(request.Name, CollegeNames.Partners, out var id, out Guid partnerId))
        {
            violations.Add("name", "must look like industrialColleges/{college}/partners/{partner}.");
        }
        var left = OptionalDate(request.LeftDate, "left_date", violations) ?? Dates.Today;
        violations.ThrowIfAny();

        var name = CollegeNames.College(id);
        var call = new WriteCall(nameof(RemovePartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            var partner = await IndustrialCollegeStore.LockPartnerAsync(connection, transaction, id, partnerId);
            if (partner is null)
            {
                ApiErrors.NotFound(request.Name);
            }
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host college may change the partners of {name}.");
            }
            if (!CollegeLifecycle.IsEditable(row.CollegeState))
            {
                ApiErrors.InvalidState(name, nameof(RemovePartner), row.CollegeState.ToString());
            }
            if (partner.LeftDate is not null)
            {
                ApiErrors.FailedPrecondition("ALREADY_REMOVED", $"{request.Name} was already removed.");
            }
            if (left < DateOnly.FromDateTime(partner.JoinedDate))
            {
                ApiErrors.InvalidArgument("left_date", "must not be before the joined date.");
            }
            // The link ends; the courses, bases and mentors the partner contributed stay on record.
            var ended = await IndustrialCollegeStore.EndPartnershipAsync(connection, transaction, partnerId, left);
            await IndustrialCollegeStore.AdjustPartnerCountAsync(connection, transaction, id, -1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(RemovePartner),
                row.CollegeState.ToString(), row.CollegeState.ToString(), $"{partner.CreditCode} left on {left:yyyy-MM-dd}");
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
