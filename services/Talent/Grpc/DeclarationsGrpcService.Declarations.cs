// Declarations (declarations/{declaration}): read, list, declare, edit a draft, read the audit trail.
//
// RPC                         | SQL: Data/DeclarationStore.cs | rule: Model/
// GetDeclaration              | FindAsync                     | DeclarationAccess.CanRead
// ListDeclarations            | ListAsync                     | DeclarationAccess.CanRead (enterprise_code = caller), DeclarationLifecycle.CurrentStates
// CreateDeclaration           | InsertAsync                   | the caller's enterprise, from the directory; CodeLists
// UpdateDeclaration           | LockAsync, UpdateDetailsAsync | DeclarationLifecycle.IsEditable, DeclarationAccess.CanWrite
// ListDeclarationAuditEntries | AuditLog.PageAsync (Shared)   | DeclarationAccess.CanRead

using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Collaboration.Talent.Data;
using Collaboration.Talent.Model;
using Collaboration.Talent.V1;
using Grpc.Core;
using State = Collaboration.Talent.V1.Declaration.Types.State;

namespace Collaboration.Talent.Grpc;

public sealed partial class DeclarationsGrpcService
{
    private static readonly HashSet<string> UpdatablePaths =
    [
        "year", "occupation_code", "occupation_catalogue_version", "related_major_codes", "major_catalogue_version", "industry_chain",
        "headcount", "education_level", "skill_level", "urgency", "monthly_pay_min_yuan", "monthly_pay_max_yuan", "work_district", "description",
    ];

    public override async Task<Declaration> GetDeclaration(GetDeclarationRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseDeclarationName(request.Name, "name");
        return (await RequireReadableAsync(caller, id, request.Name, context.CancellationToken)).ToProto();
    }

    public override async Task<ListDeclarationsResponse> ListDeclarations(ListDeclarationsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        if (request.Year != 0)
        {
            violations.Range("year", request.Year, MinYear, MaxYear);
        }
        violations.Text("industry_chain", request.IndustryChain, MaxChainLength, required: false);
        violations.Text("occupation_code", request.OccupationCode, 32, required: false);
        if (request.EnterpriseCreditCode.Length > 0)
        {
            violations.CreditCode("enterprise_credit_code", request.EnterpriseCreditCode);
        }
        var fingerprint = Page.Fingerprint(request.State, request.Year, request.IndustryChain, request.OccupationCode, request.EnterpriseCreditCode,
            request.IncludeSuperseded);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var filter = new DeclarationFilter((short)request.State, request.Year, request.IndustryChain, request.OccupationCode,
            request.EnterpriseCreditCode, request.IncludeSuperseded || request.State == State.Superseded);
        var rows = await store.ListAsync(caller, filter, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListDeclarationsResponse { NextPageToken = next };
        response.Declarations.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Declaration> CreateDeclaration(CreateDeclarationRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var declaration = request.Declaration ?? new Declaration();
        var violations = new FieldViolations().RequestId(request.RequestId);
        ValidateDetails(declaration, violations, "declaration.");
        violations.ThrowIfAny();
        var enterprise = await DeclaringEnterpriseAsync(context, caller);

        var call = new WriteCall(nameof(CreateDeclaration), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var id = Guid.CreateVersion7();
            var row = new DeclarationRow
            {
                Id = id,
                LineageId = id,
                Version = 1,
                EnterpriseCode = enterprise.CreditCode,
                EnterpriseName = enterprise.Name,
                EnterpriseKind = (short)enterprise.Kind,
                State = (short)State.Draft,
            };
            Apply(row, declaration, UpdatablePaths);
            var created = await DeclarationStore.InsertAsync(connection, transaction, row);
            var name = TalentNames.Declaration(id);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(CreateDeclaration), "", State.Draft.ToString());
            return created.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<Declaration> UpdateDeclaration(UpdateDeclarationRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Declaration ?? new Declaration();
        var id = ParseDeclarationName(patch.Name, "declaration.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, UpdatablePaths, violations);
        violations.ThrowIfAny();
        ValidateDetails(patch, violations, "declaration.", paths);
        violations.ThrowIfAny();

        var name = TalentNames.Declaration(id);
        var call = new WriteCall(nameof(UpdateDeclaration), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockReadableAsync(connection, transaction, caller, id, name);
            if (!DeclarationAccess.CanWrite(caller, row.EnterpriseCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the declaring enterprise may update {name}.");
            }
            ApiErrors.CheckEtag(patch.Etag, row.Etag, name);
            if (!DeclarationLifecycle.IsEditable(row.DeclarationState))
            {
                ApiErrors.InvalidState(name, nameof(UpdateDeclaration), row.DeclarationState.ToString());
            }
            Apply(row, patch, paths);
            // The pay range is checked as a whole, after the patch: one bound may move while the other stays.
            if (row.PayMinYuan > row.PayMaxYuan)
            {
                ApiErrors.InvalidArgument("declaration.monthly_pay_min_yuan",
                    $"must not exceed monthly_pay_max_yuan ({row.PayMinYuan} > {row.PayMaxYuan} after the update).");
            }
            var updated = await DeclarationStore.UpdateDetailsAsync(connection, transaction, row);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(UpdateDeclaration),
                row.DeclarationState.ToString(), row.DeclarationState.ToString(), string.Join(",", paths));
            return updated.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<ListDeclarationAuditEntriesResponse> ListDeclarationAuditEntries(ListDeclarationAuditEntriesRequest request,
        ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseDeclarationName(request.Parent, "parent");
        var (entries, next) = await AuditLog.PageAsync(store.DataSource, request.Parent, request.PageSize, request.PageToken,
            () => RequireReadableAsync(caller, id, request.Parent, context.CancellationToken), context.CancellationToken);
        return new ListDeclarationAuditEntriesResponse { NextPageToken = next, AuditEntries = { entries } };
    }

    /// <summary>Copies the given paths of a validated declaration onto the row; empty catalogue versions become the latest.</summary>
    private void Apply(DeclarationRow row, Declaration from, IReadOnlyCollection<string> paths)
    {
        foreach (var path in paths)
        {
            switch (path)
            {
                case "year": row.Year = from.Year; break;
                case "occupation_code": row.OccupationCode = from.OccupationCode.Trim(); break;
                case "occupation_catalogue_version": row.OccupationVersion = OrLatest(from.OccupationCatalogueVersion, codeLists.LatestOccupationVersion); break;
                case "related_major_codes": row.MajorCodes = [.. from.RelatedMajorCodes.Select(c => c.Trim())]; break;
                case "major_catalogue_version": row.MajorVersion = OrLatest(from.MajorCatalogueVersion, codeLists.LatestMajorVersion); break;
                case "industry_chain": row.IndustryChain = from.IndustryChain.Trim(); break;
                case "headcount": row.Headcount = from.Headcount; break;
                case "education_level": row.EducationLevel = (short)from.EducationLevel; break;
                case "skill_level": row.SkillLevel = (short)from.SkillLevel; break;
                case "urgency": row.Urgency = (short)from.Urgency; break;
                case "monthly_pay_min_yuan": row.PayMinYuan = from.MonthlyPayMinYuan; break;
                case "monthly_pay_max_yuan": row.PayMaxYuan = from.MonthlyPayMaxYuan; break;
                case "work_district": row.WorkDistrict = from.WorkDistrict.Trim(); break;
                case "description": row.Description = from.Description.Trim(); break;
            }
        }
        // A code changed without its version is read in the latest list (as validated); a version never stays empty.
        if (paths.Contains("occupation_code") && !paths.Contains("occupation_catalogue_version"))
        {
            row.OccupationVersion = OrLatest(from.OccupationCatalogueVersion, codeLists.LatestOccupationVersion);
        }
        if (paths.Contains("related_major_codes") && !paths.Contains("major_catalogue_version"))
        {
            row.MajorVersion = OrLatest(from.MajorCatalogueVersion, codeLists.LatestMajorVersion);
        }
    }

    private static string OrLatest(string version, string latest) => version.Length == 0 ? latest : version;

    /// <summary>
    /// Every rule of a declaration's content, one violation per bad field. With <paramref name="only"/> (an update) only the
    /// fields it names; a code and its version are checked together whichever of the two is named.
    /// </summary>
    private void ValidateDetails(Declaration declaration, FieldViolations violations, string prefix, IReadOnlyCollection<string>? only = null)
    {
        bool Checks(string path) => only is null || only.Contains(path);
        if (Checks("year"))
        {
            violations.Range(prefix + "year", declaration.Year, MinYear, MaxYear);
        }
        if (Checks("occupation_code") || Checks("occupation_catalogue_version"))
        {
            CodeLists.Check(violations, prefix + "occupation_code", prefix + "occupation_catalogue_version", [declaration.OccupationCode],
                declaration.OccupationCatalogueVersion, codeLists.Occupations, codeLists.LatestOccupationVersion, required: true);
        }
        if (Checks("related_major_codes") || Checks("major_catalogue_version"))
        {
            if (declaration.RelatedMajorCodes.Count > MaxRelatedMajors)
            {
                violations.Add(prefix + "related_major_codes", $"must list at most {MaxRelatedMajors} majors (got {declaration.RelatedMajorCodes.Count}).");
            }
            else if (declaration.RelatedMajorCodes.Distinct(StringComparer.Ordinal).Count() != declaration.RelatedMajorCodes.Count)
            {
                violations.Add(prefix + "related_major_codes", "must not repeat a major.");
            }
            else
            {
                CodeLists.Check(violations, prefix + "related_major_codes", prefix + "major_catalogue_version", declaration.RelatedMajorCodes,
                    declaration.MajorCatalogueVersion, codeLists.Majors, codeLists.LatestMajorVersion, required: false);
            }
        }
        if (Checks("industry_chain"))
        {
            // Which codes are chains is the shared RequestValidationInterceptor's rule (every field named industry_chain).
            violations.Text(prefix + "industry_chain", declaration.IndustryChain, MaxChainLength);
        }
        if (Checks("headcount"))
        {
            violations.Range(prefix + "headcount", declaration.Headcount, 1, MaxHeadcount);
        }
        if (Checks("education_level"))
        {
            violations.DefinedEnum(prefix + "education_level", declaration.EducationLevel);
        }
        if (Checks("skill_level"))
        {
            violations.Range(prefix + "skill_level", declaration.SkillLevel, 1, 5);
        }
        if (Checks("urgency"))
        {
            violations.DefinedEnum(prefix + "urgency", declaration.Urgency);
        }
        if (Checks("monthly_pay_min_yuan"))
        {
            violations.Range(prefix + "monthly_pay_min_yuan", declaration.MonthlyPayMinYuan, 1, MaxMonthlyPayYuan);
        }
        if (Checks("monthly_pay_max_yuan"))
        {
            violations.Range(prefix + "monthly_pay_max_yuan", declaration.MonthlyPayMaxYuan, 1, MaxMonthlyPayYuan);
        }
        if (Checks("monthly_pay_min_yuan") && Checks("monthly_pay_max_yuan") && declaration.MonthlyPayMinYuan > declaration.MonthlyPayMaxYuan)
        {
            violations.Add(prefix + "monthly_pay_min_yuan",
                $"must not exceed monthly_pay_max_yuan ({declaration.MonthlyPayMinYuan} > {declaration.MonthlyPayMaxYuan}).");
        }
        if (Checks("work_district"))
        {
            if (string.IsNullOrEmpty(declaration.WorkDistrict))
            {
                violations.Add(prefix + "work_district", "is required: a GB/T 2260 division of the city, e.g. 431302.");
            }
            else if (CreditCode.CityDivisionName(declaration.WorkDistrict.Trim()) is null)
            {
                violations.Add(prefix + "work_district", $"'{declaration.WorkDistrict}' is not a division of the city (431300, 431302, 431321, 431322, 431381, 431382).");
            }
        }
        if (Checks("description"))
        {
            violations.Text(prefix + "description", declaration.Description, MaxDescriptionLength, required: false);
        }
    }
}
