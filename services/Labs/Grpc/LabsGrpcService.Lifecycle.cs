// The platform lifecycle: each method below is one act of the table in Model/LabLifecycle.cs, run by TransitionAsync.
//
// RPC                 | SQL: Data/LabStore.cs                             | rule: Model/
// the plain acts (1)  | LockAsync, SetStateAsync                          | LabLifecycle.Next, .IsHostAct
// AccreditLab         | LockAsync, SetStateWithDatesAsync, SupersedeAsync | LabLifecycle.Next (Accredit; Supersede of the original)
// DeferLabAcceptance  | LockAsync, SetStateWithDatesAsync                 | LabLifecycle.Next
// RequestLabUpgrade   | LockAsync, LatestEvaluationAsync, InsertAsync     | LabRules.NextLevel; latest result excellent
// (1) SubmitLab, ReturnLab, StartLabPreliminaryReview, PassLabPreliminaryReview, PassLabExpertReview, RejectLab,
//     StartLabConstruction, RequestLabAcceptance, PassLabAcceptance, FailLabAcceptance, RequireLabRectification,
//     CompleteLabRectification, RevokeLab.

using Collaboration.Labs.Data;
using Collaboration.Labs.Model;
using Collaboration.Labs.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using Band = Collaboration.Labs.V1.Evaluation.Types.Band;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Grpc;

public sealed partial class LabsGrpcService
{
    public override Task<Lab> SubmitLab(SubmitLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Submit, null, null, context);

    public override Task<Lab> ReturnLab(ReturnLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Return, request.Reason ?? "", null, context);

    public override Task<Lab> StartLabPreliminaryReview(StartLabPreliminaryReviewRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.StartPreliminaryReview, null, null, context);

    public override Task<Lab> PassLabPreliminaryReview(PassLabPreliminaryReviewRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.PassPreliminaryReview, null, null, context);

    public override Task<Lab> PassLabExpertReview(PassLabExpertReviewRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.PassExpertReview, null, null, context);

    public override Task<Lab> RejectLab(RejectLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Reject, request.Reason ?? "", null, context);

    public override Task<Lab> AccreditLab(AccreditLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Accredit, null,
            new DeadlineArgument(request.ConstructionDeadline, Required: false), context);

    public override Task<Lab> StartLabConstruction(StartLabConstructionRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.StartConstruction, null, null, context);

    public override Task<Lab> RequestLabAcceptance(RequestLabAcceptanceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.RequestAcceptance, null, null, context);

    public override Task<Lab> PassLabAcceptance(PassLabAcceptanceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.PassAcceptance, null, null, context);

    public override Task<Lab> DeferLabAcceptance(DeferLabAcceptanceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.DeferAcceptance, Optional(request.Reason),
            new DeadlineArgument(request.ConstructionDeadline, Required: true), context);

    public override Task<Lab> FailLabAcceptance(FailLabAcceptanceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.FailAcceptance, request.Reason ?? "", null, context);

    public override Task<Lab> RequireLabRectification(RequireLabRectificationRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.RequireRectification, request.Reason ?? "", null, context);

    public override Task<Lab> CompleteLabRectification(CompleteLabRectificationRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.CompleteRectification, null, null, context);

    public override Task<Lab> RevokeLab(RevokeLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Revoke, request.Reason ?? "", null, context);

    public override async Task<Lab> RequestLabUpgrade(RequestLabUpgradeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!LabNames.TryParseLab(request.Name, out var id))
        {
            violations.Add("name", "must look like labs/{lab}.");
        }
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(RequestLabUpgrade), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may request an upgrade of {name}.");
            }
            ApiErrors.CheckEtag(request.Etag, row.Etag, name);
            if (row.LabState != State.Operating)
            {
                ApiErrors.InvalidState(name, nameof(RequestLabUpgrade), row.LabState.ToString());
            }
            if (LabRules.NextLevel((Lab.Types.Level)row.Level) is not { } level)
            {
                ApiErrors.FailedPrecondition("TOP_LEVEL", $"{name} is already a national platform.");
                return null!;
            }
            var latest = await LabStore.LatestEvaluationAsync(connection, transaction, id);
            if (latest is null || latest.Band != (short)Band.Excellent)
            {
                ApiErrors.FailedPrecondition("NOT_EXCELLENT", $"An upgrade needs an excellent result in the latest evaluation of {name}.");
            }
            LabRow application;
            try
            {
                application = await LabStore.InsertAsync(connection, transaction, new LabRow
                {
                    Id = Guid.CreateVersion7(),
                    Kind = row.Kind,
                    Level = (short)level,
                    DisplayName = row.DisplayName,
                    HostCode = row.HostCode,
                    HostName = row.HostName,
                    HostKind = row.HostKind,
                    ResearchField = row.ResearchField,
                    DirectorName = row.DirectorName,
                    DirectorTitle = row.DirectorTitle,
                    ApplicationSummary = row.ApplicationSummary,
                    State = (short)State.Draft,
                    UpgradeOf = id,
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "labs_live_upgrade")
            {
                ApiErrors.AlreadyExists($"{name} already has an upgrade application in progress.");
                throw;
            }
            var applicationName = LabNames.Lab(application.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, applicationName, applicationName, nameof(RequestLabUpgrade),
                "", State.Draft.ToString(), $"upgrade of {name} to {level}");
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(RequestLabUpgrade),
                row.LabState.ToString(), row.LabState.ToString(), $"upgrade application {applicationName}");
            return application.ToProto();
        }, [], context.CancellationToken);
    }

    /// <summary>A construction deadline carried by AccreditLab (optional) and DeferLabAcceptance (required).</summary>
    private sealed record DeadlineArgument(Google.Type.Date? Date, bool Required);

    private async Task<Lab> TransitionAsync(IMessage request, string labName, string etag, string requestId,
        LabAction action, string? reason, DeadlineArgument? deadlineArgument, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(requestId);
        if (!LabNames.TryParseLab(labName, out var id))
        {
            violations.Add("name", "must look like labs/{lab}.");
        }
        if (reason is not null && string.IsNullOrWhiteSpace(reason))
        {
            violations.Add("reason", "is required: say why.");
        }
        else if (reason is not null)
        {
            violations.Text("reason", reason, MaxReasonLength);
        }
        DateOnly? deadline = null;
        if (deadlineArgument is not null)
        {
            deadline = ParseDate(deadlineArgument.Date, "construction_deadline", violations);
            if (deadlineArgument.Required && !deadlineArgument.Date.IsSet())
            {
                violations.Add("construction_deadline", "is required.");
            }
            else if (deadline is not null && deadline <= Dates.Today)
            {
                violations.Add("construction_deadline", "must be after today.");
            }
        }
        violations.ThrowIfAny();

        var method = MethodName(action);
        var invalidated = new List<string> { CacheKey(id) };
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, labName);
            var hostAct = LabLifecycle.IsHostAct(action);
            if (hostAct ? !caller.CanEditFor(row.HostCode) : !caller.IsAdmin)
            {
                ApiErrors.PermissionDenied(hostAct
                    ? $"Only an owner or editor of the host organisation may {action} {labName}."
                    : $"Only the city's admins may {action} a platform.");
            }
            ApiErrors.CheckEtag(etag, row.Etag, labName);
            if (LabLifecycle.Next(row.LabState, action) is not { } next)
            {
                ApiErrors.InvalidState(labName, method, row.LabState.ToString());
                return null!;
            }
            var detail = reason?.Trim() ?? "";
            LabRow updated;
            switch (action)
            {
                case LabAction.Accredit:
                    var today = Dates.Today;
                    var until = deadline ?? today.AddYears(ConstructionYears);
                    updated = await LabStore.SetStateWithDatesAsync(connection, transaction, id, (short)next, detail, today, until);
                    detail = $"construction deadline {until:yyyy-MM-dd}";
                    if (row.UpgradeOf is { } original)
                    {
                        await SupersedeAsync(connection, transaction, caller, original, id);
                        invalidated.Add(CacheKey(original));
                    }
                    break;
                case LabAction.DeferAcceptance:
                    updated = await LabStore.SetStateWithDatesAsync(connection, transaction, id, (short)next, detail, null, deadline!.Value);
                    detail = $"new construction deadline {deadline:yyyy-MM-dd}" + (detail.Length > 0 ? $": {detail}" : "");
                    break;
                default:
                    updated = await LabStore.SetStateAsync(connection, transaction, id, (short)next, detail);
                    break;
            }
            await AuditLog.WriteAsync(connection, transaction, caller, labName, labName, method, row.LabState.ToString(), next.ToString(), detail);
            return updated.ToProto();
        }, invalidated, context.CancellationToken);
    }

    /// <summary>The accredited upgrade replaces the platform it upgrades, if that one still operates.</summary>
    private static async Task SupersedeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid originalId, Guid upgradeId)
    {
        var original = await LabStore.LockAsync(connection, transaction, originalId);
        if (original is null || LabLifecycle.Next(original.LabState, LabAction.Supersede) is not { } next)
        {
            return;
        }
        await LabStore.SupersedeAsync(connection, transaction, originalId, (short)next, upgradeId);
        var name = LabNames.Lab(originalId);
        await AuditLog.WriteAsync(connection, transaction, caller, name, name, "AccreditLab",
            original.LabState.ToString(), next.ToString(), $"superseded by {LabNames.Lab(upgradeId)}");
    }

    private static string MethodName(LabAction action) => action switch
    {
        LabAction.Submit => nameof(SubmitLab),
        LabAction.Return => nameof(ReturnLab),
        LabAction.StartPreliminaryReview => nameof(StartLabPreliminaryReview),
        LabAction.PassPreliminaryReview => nameof(PassLabPreliminaryReview),
        LabAction.PassExpertReview => nameof(PassLabExpertReview),
        LabAction.Reject => nameof(RejectLab),
        LabAction.Accredit => nameof(AccreditLab),
        LabAction.StartConstruction => nameof(StartLabConstruction),
        LabAction.RequestAcceptance => nameof(RequestLabAcceptance),
        LabAction.PassAcceptance => nameof(PassLabAcceptance),
        LabAction.DeferAcceptance => nameof(DeferLabAcceptance),
        LabAction.FailAcceptance => nameof(FailLabAcceptance),
        LabAction.RequireRectification => nameof(RequireLabRectification),
        LabAction.CompleteRectification => nameof(CompleteLabRectification),
        LabAction.Revoke => nameof(RevokeLab),
        _ => action.ToString(),
    };
}
