// Platforms (labs/{lab}): read, list, apply, edit the application, read the audit trail.
//
// RPC                 | SQL: Data/LabStore.cs                 | rule: Model/
// GetLab              | FindAsync (cached), LiveLinkAsync     | LabRules.CanRead
// ListLabs            | ListAsync                             | LabRules.CanRead's state sets, LabLifecycle.EvaluatedStates, .ConstructionStates
// CreateLab           | InsertAsync                           | LabRules.CanHost (of the host's registered kind)
// UpdateLab           | LockAsync, UpdateDetailsAsync         | LabLifecycle.IsEditable
// ListLabAuditEntries | AuditLog.PageAsync (Shared)           | host and admins only

using Collaboration.Common.V1;
using Collaboration.Labs.Data;
using Collaboration.Labs.Model;
using Collaboration.Labs.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Grpc.Core;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Grpc;

public sealed partial class LabsGrpcService
{
    private static readonly HashSet<string> UpdatablePaths =
        ["display_name", "research_field", "director", "director.name", "director.title", "application_summary"];

    public override async Task<Lab> GetLab(GetLabRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Name, "name");
        return await RequireReadableAsync(context, caller, id, request.Name);
    }

    public override async Task<ListLabsResponse> ListLabs(ListLabsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("kind", request.Kind, required: false);
        violations.DefinedEnum("level", request.Level, required: false);
        violations.DefinedEnum("state", request.State, required: false);
        if (request.HostCreditCode.Length > 0)
        {
            violations.CreditCode("host_credit_code", request.HostCreditCode);
        }
        if (request.PartnerCreditCode.Length > 0)
        {
            violations.CreditCode("partner_credit_code", request.PartnerCreditCode);
        }
        violations.Text("research_field", request.ResearchField, MaxFieldLength, required: false);
        if (request.DueForEvaluationCycle != 0)
        {
            violations.Range("due_for_evaluation_cycle", request.DueForEvaluationCycle, FirstCycle, 9999);
        }
        var fingerprint = Page.Fingerprint(request.Kind, request.Level, request.State, request.HostCreditCode, request.PartnerCreditCode,
            request.ResearchField, request.DueForEvaluationCycle, request.ConstructionOverdue, request.SharedWithMe, request.InvitationsForMe);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var shared = request.SharedWithMe ? await grants.SharedWithCallerAsync(context, caller, LabNames.CollectionId) : null;
        var filter = new LabFilter((short)request.Kind, (short)request.Level, (short)request.State, request.HostCreditCode,
            request.PartnerCreditCode, request.ResearchField, request.DueForEvaluationCycle, request.ConstructionOverdue, Dates.Today, shared,
            request.InvitationsForMe);
        var rows = await store.ListAsync(caller, filter, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListLabsResponse { NextPageToken = next };
        response.Labs.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Lab> CreateLab(CreateLabRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var lab = request.Lab ?? new Lab();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.DefinedEnum("lab.kind", lab.Kind);
        violations.DefinedEnum("lab.level", lab.Level);
        ValidateDetails(lab, violations, "lab.");
        // Only the credit code counts: the host's name and kind are the directory's, whatever the request says.
        var hostField = "lab.host_organization.credit_code";
        var hostCode = lab.HostOrganization is { CreditCode.Length: > 0 } given ? given.CreditCode : caller.Organization;
        if (lab.HostOrganization is { CreditCode.Length: > 0 })
        {
            violations.CreditCode(hostField, hostCode);
        }
        if (lab.State != State.Unspecified)
        {
            violations.Add("lab.state", "is output only; a new application starts as a draft.");
        }
        violations.ThrowIfAny();

        if (caller.IsAdmin || !caller.CanWrite || hostCode.Length == 0 || !caller.ActsFor(hostCode))
        {
            ApiErrors.PermissionDenied("Platforms are applied for by an owner or editor of the host organisation, for their own organisation.");
        }
        var host = await directory.LookupAsync(context, hostCode, hostField);
        if (!LabRules.CanHost(lab.Kind, host.Kind))
        {
            ApiErrors.InvalidArgument("lab.kind", lab.Kind == Lab.Types.Kind.EnterpriseTechnologyCenter
                ? $"an enterprise technology centre is hosted by an enterprise; {hostCode} is registered as {host.Kind}."
                : $"a key laboratory or engineering research centre is hosted by an enterprise, university or research institute; {hostCode} is registered as {host.Kind}.");
        }

        var call = new WriteCall(nameof(CreateLab), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var created = await LabStore.InsertAsync(connection, transaction, new LabRow
            {
                Id = Guid.CreateVersion7(),
                Kind = (short)lab.Kind,
                Level = (short)lab.Level,
                DisplayName = lab.DisplayName.Trim(),
                HostCode = host.CreditCode,
                HostName = host.Name,
                HostKind = (short)host.Kind,
                ResearchField = lab.ResearchField.Trim(),
                DirectorName = lab.Director?.Name.Trim() ?? "",
                DirectorTitle = lab.Director?.Title.Trim() ?? "",
                ApplicationSummary = lab.ApplicationSummary.Trim(),
                State = (short)State.Draft,
            });
            var name = LabNames.Lab(created.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(CreateLab), "", State.Draft.ToString());
            return created.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<Lab> UpdateLab(UpdateLabRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Lab ?? new Lab();
        var id = ParseLabName(patch.Name, "lab.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, UpdatablePaths, violations);
        violations.ThrowIfAny();
        ValidateDetails(patch, violations, "lab.", paths);
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(UpdateLab), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LabStore.LockAsync(connection, transaction, id);
            if (row is null)
            {
                ApiErrors.NotFound(name);
            }
            // Content edits: the host's owners and editors, or an organisation the host granted editor rights on this platform.
            await grants.EnsureCanEditAsync(context, caller, name, row.HostCode, await VisibleByRuleAsync(connection, transaction, caller, id, row),
                $"Only an owner or editor of the host organisation, or an organisation it granted editor rights, may update {name}.");
            ApiErrors.CheckEtag(patch.Etag, row.Etag, name);
            if (!LabLifecycle.IsEditable(row.LabState))
            {
                ApiErrors.InvalidState(name, nameof(UpdateLab), row.LabState.ToString());
            }
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "display_name": row.DisplayName = patch.DisplayName.Trim(); break;
                    case "research_field": row.ResearchField = patch.ResearchField.Trim(); break;
                    case "application_summary": row.ApplicationSummary = patch.ApplicationSummary.Trim(); break;
                    case "director":
                        row.DirectorName = patch.Director?.Name.Trim() ?? "";
                        row.DirectorTitle = patch.Director?.Title.Trim() ?? "";
                        break;
                    case "director.name": row.DirectorName = patch.Director?.Name.Trim() ?? ""; break;
                    case "director.title": row.DirectorTitle = patch.Director?.Title.Trim() ?? ""; break;
                }
            }
            var updated = await LabStore.UpdateDetailsAsync(connection, transaction, row);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(UpdateLab),
                row.LabState.ToString(), row.LabState.ToString(), string.Join(",", paths));
            return updated.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<ListLabAuditEntriesResponse> ListLabAuditEntries(ListLabAuditEntriesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var (entries, next) = await AuditLog.PageAsync(store.DataSource, request.Parent, request.PageSize, request.PageToken, async () =>
        {
            var lab = await RequireReadableAsync(context, caller, id, request.Parent);
            if (!caller.IsAdmin && !caller.ActsFor(lab.HostOrganization.CreditCode))
            {
                ApiErrors.PermissionDenied("The audit trail is for the host organisation and the city's admins.");
            }
        }, context.CancellationToken);
        return new ListLabAuditEntriesResponse { NextPageToken = next, AuditEntries = { entries } };
    }

    private static void ValidateDetails(Lab lab, FieldViolations violations, string prefix, IReadOnlyCollection<string>? only = null)
    {
        bool Checks(string path) => only is null || only.Contains(path);
        if (Checks("display_name"))
        {
            violations.Text(prefix + "display_name", lab.DisplayName, MaxNameLength);
        }
        if (Checks("research_field"))
        {
            violations.Text(prefix + "research_field", lab.ResearchField, MaxFieldLength);
        }
        if (Checks("application_summary"))
        {
            violations.Text(prefix + "application_summary", lab.ApplicationSummary, MaxSummaryLength, required: false);
        }
        if (Checks("director") || Checks("director.name"))
        {
            violations.Text(prefix + "director.name", lab.Director?.Name, MaxPersonLength, required: false);
        }
        if (Checks("director") || Checks("director.title"))
        {
            violations.Text(prefix + "director.title", lab.Director?.Title, MaxPersonLength, required: false);
        }
    }
}
