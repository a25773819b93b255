// Annual activity evaluations (alliances/{alliance}/evaluations).
//
// RPC              | SQL: Data/AllianceStore.cs | rule: Model/
// RecordEvaluation | InsertEvaluationAsync      | AllianceGrading.Grade, AllianceLifecycle.IsEvaluated
// ListEvaluations  | ListEvaluationsAsync       | AllianceAccess.CanRead (of the alliance)

using Collaboration.Alliances.Data;
using Collaboration.Alliances.Model;
using Collaboration.Alliances.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Grpc.Core;

namespace Collaboration.Alliances.Grpc;

public sealed partial class AlliancesGrpcService
{
    public override async Task<Evaluation> RecordEvaluation(RecordEvaluationRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseAllianceName(request.Parent, "parent");
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Range("score", request.Score, AllianceGrading.MinScore, AllianceGrading.MaxScore);
        violations.Range("year", request.Year, 2000, Dates.Today.Year);
        violations.Text("remarks", request.Remarks, MaxReasonLength, required: false);
        violations.ThrowIfAny();

        var name = AllianceNames.Alliance(id);
        var call = new WriteCall(nameof(RecordEvaluation), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.IsAdmin)
            {
                ApiErrors.PermissionDenied("Only the city's admins evaluate alliances.");
            }
            if (!AllianceLifecycle.IsEvaluated(row.AllianceState))
            {
                ApiErrors.InvalidState(name, nameof(RecordEvaluation), row.AllianceState.ToString());
            }
            var grade = AllianceGrading.Grade(request.Score);
            var inserted = await AllianceStore.InsertEvaluationAsync(connection, transaction, new EvaluationRow
            {
                AllianceId = id, Year = request.Year, Score = request.Score, Grade = (short)grade, Remarks = request.Remarks.Trim(),
            });
            if (inserted is null)
            {
                ApiErrors.AlreadyExists($"{name}/evaluations/{request.Year} already exists.");
            }
            await AuditLog.WriteAsync(connection, transaction, caller, name, $"{name}/evaluations/{request.Year}", nameof(RecordEvaluation),
                row.AllianceState.ToString(), row.AllianceState.ToString(), $"score {request.Score}: {grade}");
            return inserted.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<ListEvaluationsResponse> ListEvaluations(ListEvaluationsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseAllianceName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent);
        var afterText = Page.After(request.PageToken, fingerprint, violations);
        var afterYear = 0;
        if (afterText is not null && !int.TryParse(afterText, out afterYear))
        {
            violations.Add("page_token", "is not a page token this service issued.");
        }
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListEvaluationsAsync(id, afterYear, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), fingerprint);
        var response = new ListEvaluationsResponse { NextPageToken = next };
        response.Evaluations.AddRange(items.Select(r => r.ToProto()));
        return response;
    }
}
