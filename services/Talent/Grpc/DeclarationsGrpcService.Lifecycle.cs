// The declaration lifecycle: each method below is one act of the table in Model/DeclarationLifecycle.cs.
//
// RPC                                  | SQL: Data/DeclarationStore.cs              | rule: Model/
// SubmitDeclaration                    | LockAsync, SetStateAsync (+ the revised one) | DeclarationLifecycle.Next(Submit), and Next(Supersede) of the revised version
// AcceptDeclaration, ReturnDeclaration | LockAsync, SetStateAsync                   | DeclarationLifecycle.Next, .IsAdminAct
// ReviseDeclaration                    | LockAsync, InsertAsync                     | DeclarationLifecycle.IsRevisable; one open correction (unique index)

using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Talent.Data;
using Collaboration.Talent.Model;
using Collaboration.Talent.V1;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using State = Collaboration.Talent.V1.Declaration.Types.State;

namespace Collaboration.Talent.Grpc;

public sealed partial class DeclarationsGrpcService
{
    public override Task<Declaration> SubmitDeclaration(SubmitDeclarationRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, DeclarationAction.Submit, null, context);

    public override Task<Declaration> AcceptDeclaration(AcceptDeclarationRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, DeclarationAction.Accept, null, context);

    public override Task<Declaration> ReturnDeclaration(ReturnDeclarationRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, DeclarationAction.Return, request.Reason ?? "", context);

    public override async Task<Declaration> ReviseDeclaration(ReviseDeclarationRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!TalentNames.TryParseDeclaration(request.Name, out var id))
        {
            violations.Add("name", "must look like declarations/{declaration}.");
        }
        violations.ThrowIfAny();
        var enterprise = await DeclaringEnterpriseAsync(context, caller);

        var call = new WriteCall(nameof(ReviseDeclaration), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockReadableAsync(connection, transaction, caller, id, request.Name);
            if (!DeclarationAccess.CanWrite(caller, row.EnterpriseCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the declaring enterprise may correct {request.Name}.");
            }
            ApiErrors.CheckEtag(request.Etag, row.Etag, request.Name);
            if (!DeclarationLifecycle.IsRevisable(row.DeclarationState))
            {
                ApiErrors.InvalidState(request.Name, nameof(ReviseDeclaration), row.DeclarationState.ToString());
            }
            var correction = new DeclarationRow
            {
                Id = Guid.CreateVersion7(),
                LineageId = row.LineageId,
                Version = row.Version + 1,
                RevisesId = row.Id,
                EnterpriseCode = enterprise.CreditCode,
                EnterpriseName = enterprise.Name,
                EnterpriseKind = (short)enterprise.Kind,
                Year = row.Year,
                OccupationCode = row.OccupationCode,
                OccupationVersion = row.OccupationVersion,
                MajorCodes = row.MajorCodes,
                MajorVersion = row.MajorVersion,
                IndustryChain = row.IndustryChain,
                Headcount = row.Headcount,
                EducationLevel = row.EducationLevel,
                SkillLevel = row.SkillLevel,
                Urgency = row.Urgency,
                PayMinYuan = row.PayMinYuan,
                PayMaxYuan = row.PayMaxYuan,
                WorkDistrict = row.WorkDistrict,
                Description = row.Description,
                State = (short)State.Draft,
            };
            DeclarationRow created;
            try
            {
                created = await DeclarationStore.InsertAsync(connection, transaction, correction);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation
                && ex.ConstraintName is "declarations_open_correction" or "declarations_lineage_id_version_key")
            {
                ApiErrors.AlreadyExists($"{request.Name} already has a correction being drafted (or was corrected); edit and submit that one.");
                throw;
            }
            var name = TalentNames.Declaration(created.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(ReviseDeclaration), "", State.Draft.ToString(),
                $"corrects {request.Name} (version {row.Version})");
            await AuditLog.WriteAsync(connection, transaction, caller, request.Name, request.Name, nameof(ReviseDeclaration),
                row.DeclarationState.ToString(), row.DeclarationState.ToString(), $"correction {name} drafted");
            return created.ToProto();
        }, [], context.CancellationToken);
    }

    private async Task<Declaration> TransitionAsync(IMessage request, string declarationName, string etag, string requestId,
        DeclarationAction action, string? reason, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(requestId);
        if (!TalentNames.TryParseDeclaration(declarationName, out var id))
        {
            violations.Add("name", "must look like declarations/{declaration}.");
        }
        if (reason is not null)
        {
            violations.Text("reason", reason, MaxReasonLength);
        }
        violations.ThrowIfAny();

        var method = $"{action}Declaration";
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockReadableAsync(connection, transaction, caller, id, declarationName);
            var allowed = DeclarationLifecycle.IsAdminAct(action) ? caller.IsAdmin : DeclarationAccess.CanWrite(caller, row.EnterpriseCode);
            if (!allowed)
            {
                ApiErrors.PermissionDenied(DeclarationLifecycle.IsAdminAct(action)
                    ? $"Only the city's admins may {action} a declaration."
                    : $"Only an owner or editor of the declaring enterprise may {action} {declarationName}.");
            }
            ApiErrors.CheckEtag(etag, row.Etag, declarationName);
            if (DeclarationLifecycle.Next(row.DeclarationState, action) is not { } next)
            {
                ApiErrors.InvalidState(declarationName, method, row.DeclarationState.ToString());
                return null!;
            }
            if (action == DeclarationAction.Submit && row.RevisesId is { } revisedId)
            {
                await SupersedeAsync(connection, transaction, caller, revisedId, row.Id);
            }
            var updated = await DeclarationStore.SetStateAsync(connection, transaction, id, (short)next, reason?.Trim() ?? "",
                submitted: action == DeclarationAction.Submit);
            await AuditLog.WriteAsync(connection, transaction, caller, declarationName, declarationName, method,
                row.DeclarationState.ToString(), next.ToString(), reason?.Trim() ?? "");
            return updated.ToProto();
        }, [], context.CancellationToken);
    }

    /// <summary>A submitted correction replaces the version it corrects, which is kept (SUPERSEDED, pointing at its successor).</summary>
    private static async Task SupersedeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid revisedId, Guid correctionId)
    {
        var revised = await DeclarationStore.LockAsync(connection, transaction, revisedId);
        var revisedName = TalentNames.Declaration(revisedId);
        if (revised is null || DeclarationLifecycle.Next(revised.DeclarationState, DeclarationAction.Supersede) is not { } superseded)
        {
            ApiErrors.FailedPrecondition("INVALID_STATE",
                $"The declaration this corrects, {revisedName}, is {revised?.DeclarationState.ToString() ?? "gone"} and cannot be superseded.");
            return;
        }
        await DeclarationStore.SetStateAsync(connection, transaction, revisedId, (short)superseded, "", supersededBy: correctionId);
        await AuditLog.WriteAsync(connection, transaction, caller, revisedName, revisedName, "SubmitDeclaration",
            revised.DeclarationState.ToString(), superseded.ToString(), $"superseded by {TalentNames.Declaration(correctionId)}");
    }
}
