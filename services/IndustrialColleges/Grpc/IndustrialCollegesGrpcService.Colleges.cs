// Industrial colleges (industrialColleges/{college}): read, list, create, edit, read the audit trail.
//
// RPC                     | SQL: Data/IndustrialCollegeStore.cs | rule: Model/
// GetIndustrialCollege    | FindAsync (cached), IsLinkedAsync   | CollegeAccess.CanRead
// ListIndustrialColleges  | ListAsync                           | CollegeAccess.CanRead's sets (CollegeLifecycle.PublicStates, LinkConsent.LiveStates)
// CreateIndustrialCollege | InsertAsync                         | MajorCatalogue.Check; the host's registered kind (directory)
// UpdateIndustrialCollege | LockAsync, UpdateDetailsAsync       | CollegeLifecycle.IsEditable, MajorCatalogue.Check
// ListAuditEntries        | AuditLog.PageAsync (Shared)         | host and admins only

using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Grpc.Core;
using Npgsql;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Grpc;

public sealed partial class IndustrialCollegesGrpcService
{
    private static readonly HashSet<string> UpdatablePaths =
        ["display_name", "industry_chain", "annual_enrolment_capacity", "major_catalogue_year", "majors"];

    public override async Task<IndustrialCollege> GetIndustrialCollege(GetIndustrialCollegeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Name, "name");
        return await RequireReadableAsync(context, caller, id, request.Name);
    }

    public override async Task<ListIndustrialCollegesResponse> ListIndustrialColleges(ListIndustrialCollegesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        violations.Text("industry_chain", request.IndustryChain, MaxChainLength, required: false);
        if (request.PartnerCreditCode.Length > 0)
        {
            violations.CreditCode("partner_credit_code", request.PartnerCreditCode);
        }
        var fingerprint = Page.Fingerprint(request.State, request.IndustryChain, request.PartnerCreditCode, request.SharedWithMe, request.InvitationsForMe);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var shared = request.SharedWithMe ? await grants.SharedWithCallerAsync(context, caller, CollegeNames.CollectionId) : null;
        var filter = new CollegeFilter((short)request.State, request.IndustryChain, request.PartnerCreditCode, shared, request.InvitationsForMe);
        var rows = await store.ListAsync(caller, filter, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListIndustrialCollegesResponse { NextPageToken = next };
        response.IndustrialColleges.AddRange(items.Select(r => r.ToProto(catalogue)));
        return response;
    }

    public override async Task<IndustrialCollege> CreateIndustrialCollege(CreateIndustrialCollegeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var college = request.IndustrialCollege ?? new IndustrialCollege();
        var violations = new FieldViolations().RequestId(request.RequestId);
        ValidateDetails(college, violations, "industrial_college.");
        if (college.MajorCatalogueYear != 0)
        {
            ValidateMajors(college.MajorCatalogueYear, college.Majors.Select(m => m.Code).ToList(), violations, "industrial_college.majors");
        }
        // Only the host's credit code is read from the request: its name and kind are the directory's.
        const string HostField = "industrial_college.host_college.credit_code";
        var requestedHost = college.HostCollege?.CreditCode ?? "";
        if (requestedHost.Length > 0)
        {
            violations.CreditCode(HostField, requestedHost);
        }
        if (college.State != State.Unspecified)
        {
            violations.Add("industrial_college.state", "is output only; a new industrial college starts in planning.");
        }
        violations.ThrowIfAny();

        const string NotACollege = "Industrial colleges are created by an owner or editor of the host vocational college or university.";
        if (!caller.CanWrite)
        {
            ApiErrors.PermissionDenied(NotACollege);
        }
        var hostCode = requestedHost.Length == 0 ? caller.Organization : requestedHost;
        if (!caller.ActsFor(hostCode))
        {
            ApiErrors.PermissionDenied("A college creates industrial colleges hosted by its own organisation.");
        }
        // The registered kind decides, not the token's claim or what the request says the host is.
        var host = await directory.LookupAsync(context, hostCode, HostField);
        if (host.Kind is not (OrganizationKind.VocationalCollege or OrganizationKind.University))
        {
            ApiErrors.PermissionDenied($"{NotACollege} {hostCode} is registered as {Caller.KindClaim(host.Kind)}.");
        }

        var call = new WriteCall(nameof(CreateIndustrialCollege), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = new CollegeRow
            {
                Id = Guid.CreateVersion7(),
                DisplayName = college.DisplayName.Trim(),
                HostCode = hostCode,
                HostName = host.Name,
                HostKind = (short)host.Kind,
                IndustryChain = college.IndustryChain.Trim(),
                EnrolmentCapacity = college.AnnualEnrolmentCapacity,
                MajorCatalogueYear = college.MajorCatalogueYear,
                MajorCodes = college.Majors.Select(m => m.Code).ToArray(),
                State = (short)State.Planning,
            };
            var created = await WriteUniqueAsync(() => IndustrialCollegeStore.InsertAsync(connection, transaction, row), row.DisplayName);
            var name = CollegeNames.College(row.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(CreateIndustrialCollege), "", State.Planning.ToString());
            return created.ToProto(catalogue);
        }, [], context.CancellationToken);
    }

    public override async Task<IndustrialCollege> UpdateIndustrialCollege(UpdateIndustrialCollegeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.IndustrialCollege ?? new IndustrialCollege();
        var id = ParseCollegeName(patch.Name, "industrial_college.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, UpdatablePaths, violations);
        violations.ThrowIfAny();
        ValidateDetails(patch, violations, "industrial_college.", paths);
        violations.ThrowIfAny();

        var name = CollegeNames.College(id);
        var call = new WriteCall(nameof(UpdateIndustrialCollege), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await IndustrialCollegeStore.LockAsync(connection, transaction, id);
            if (row is null)
            {
                ApiErrors.NotFound(name);
            }
            // Content edits: the host's owners and editors, or an organisation the host granted editor rights on this college.
            await grants.EnsureCanEditAsync(context, caller, name, row.HostCode, await VisibleByRuleAsync(connection, transaction, caller, id, row),
                $"Only an owner or editor of the host college, or an organisation it granted editor rights, may update {name}.");
            ApiErrors.CheckEtag(patch.Etag, row.Etag, name);
            if (!CollegeLifecycle.IsEditable(row.CollegeState))
            {
                ApiErrors.InvalidState(name, nameof(UpdateIndustrialCollege), row.CollegeState.ToString());
            }
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "display_name": row.DisplayName = patch.DisplayName.Trim(); break;
                    case "industry_chain": row.IndustryChain = patch.IndustryChain.Trim(); break;
                    case "annual_enrolment_capacity": row.EnrolmentCapacity = patch.AnnualEnrolmentCapacity; break;
                    case "major_catalogue_year": row.MajorCatalogueYear = patch.MajorCatalogueYear; break;
                    case "majors": row.MajorCodes = patch.Majors.Select(m => m.Code).ToArray(); break;
                }
            }
            // A new catalogue year re-checks the kept codes, so the check runs on the merged row.
            var merged = new FieldViolations();
            ValidateMajors(row.MajorCatalogueYear, row.MajorCodes, merged, "industrial_college.majors");
            merged.ThrowIfAny();
            var updated = await WriteUniqueAsync(() => IndustrialCollegeStore.UpdateDetailsAsync(connection, transaction, row), row.DisplayName);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(UpdateIndustrialCollege),
                row.CollegeState.ToString(), row.CollegeState.ToString(), string.Join(",", paths));
            return updated.ToProto(catalogue);
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var (entries, next) = await AuditLog.PageAsync(store.DataSource, request.Parent, request.PageSize, request.PageToken, async () =>
        {
            var college = await RequireReadableAsync(context, caller, id, request.Parent);
            if (!caller.IsAdmin && !caller.ActsFor(college.HostCollege.CreditCode))
            {
                ApiErrors.PermissionDenied("The audit trail is for the host college and the city's admins.");
            }
        }, context.CancellationToken);
        return new ListAuditEntriesResponse { NextPageToken = next, AuditEntries = { entries } };
    }

    private static async Task<CollegeRow> WriteUniqueAsync(Func<Task<CollegeRow>> write, string displayName)
    {
        try
        {
            return await write();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "industrial_colleges_live_name")
        {
            ApiErrors.AlreadyExists($"An industrial college named '{displayName}' already exists.");
            throw;
        }
    }

    private void ValidateDetails(IndustrialCollege college, FieldViolations violations, string prefix, IReadOnlyCollection<string>? only = null)
    {
        bool Checks(string path) => only is null || only.Contains(path);
        if (Checks("display_name"))
        {
            violations.Text(prefix + "display_name", college.DisplayName, MaxNameLength);
        }
        if (Checks("industry_chain"))
        {
            violations.Text(prefix + "industry_chain", college.IndustryChain, MaxChainLength);
        }
        if (Checks("annual_enrolment_capacity"))
        {
            violations.Range(prefix + "annual_enrolment_capacity", college.AnnualEnrolmentCapacity, 1, MaxCapacity);
        }
        if (Checks("major_catalogue_year"))
        {
            violations.Range(prefix + "major_catalogue_year", college.MajorCatalogueYear, catalogue.FirstYear, Dates.Today.Year + 1);
        }
        if (Checks("majors") && college.Majors.Count > MaxMajors)
        {
            violations.Add(prefix + "majors", $"must list at most {MaxMajors} majors.");
        }
    }

    /// <summary>Each code must be in the catalogue in force in the college's catalogue year, once.</summary>
    private void ValidateMajors(int year, IReadOnlyList<string> codes, FieldViolations violations, string field)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < codes.Count; i++)
        {
            if (!seen.Add(codes[i]))
            {
                violations.Add($"{field}[{i}].code", $"'{codes[i]}' is listed twice.");
            }
            else if (catalogue.Check(year, codes[i]) is { } problem)
            {
                violations.Add($"{field}[{i}].code", problem);
            }
        }
    }
}
