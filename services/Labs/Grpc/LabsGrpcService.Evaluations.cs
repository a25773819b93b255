// Periodic evaluations (labs/{lab}/evaluations): a filing or a cycle close records the band and applies
// its consequence (rectification, or revocation after two unqualified consecutive cycles) in the same transaction.
//
// RPC                  | SQL: Data/LabStore.cs                                       | rule: Model/
// RecordLabEvaluation  | InsertEvaluationAsync, AnyCycleUnqualifiedAsync, SetStateAsync | LabGrading.Band, .ConsecutiveCycles, .Consequence; LabLifecycle.IsEvaluated
// ListLabEvaluations   | ListEvaluationsAsync                                        | LabRules.CanRead (of the platform)
// CloseEvaluationCycle | LockUnfiledAsync, then as RecordLabEvaluation               | LabLifecycle.EvaluatedStates, then as RecordLabEvaluation
// ProjectGrade         | -                                                           | LabGrading.Band, .Describe

using System.Globalization;
using Collaboration.Labs.Data;
using Collaboration.Labs.Model;
using Collaboration.Labs.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Grpc.Core;
using Npgsql;
using Band = Collaboration.Labs.V1.Evaluation.Types.Band;

namespace Collaboration.Labs.Grpc;

public sealed partial class LabsGrpcService
{
    public override async Task<Evaluation> RecordLabEvaluation(RecordLabEvaluationRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (request.HasScore)
        {
            violations.Range("score", request.Score, LabGrading.MinScore, LabGrading.MaxScore);
        }
        violations.Range("cycle", request.Cycle, FirstCycle, Dates.Today.Year);
        violations.Text("remarks", request.Remarks, MaxReasonLength, required: false);
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(RecordLabEvaluation), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.IsAdmin)
            {
                ApiErrors.PermissionDenied("Only the city's admins evaluate platforms.");
            }
            if (!LabLifecycle.IsEvaluated(row.LabState))
            {
                ApiErrors.InvalidState(name, nameof(RecordLabEvaluation), row.LabState.ToString());
            }
            var (evaluation, _) = await EvaluateAsync(connection, transaction, caller, row, request.Cycle,
                request.HasScore ? request.Score : null, request.Remarks.Trim(), nameof(RecordLabEvaluation));
            if (evaluation is null)
            {
                ApiErrors.AlreadyExists($"{LabNames.Evaluation(id, request.Cycle)} already exists.");
            }
            return evaluation.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<ListLabEvaluationsResponse> ListLabEvaluations(ListLabEvaluationsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent);
        var afterText = Page.After(request.PageToken, fingerprint, violations);
        var afterCycle = 0;
        if (afterText is not null && !int.TryParse(afterText, CultureInfo.InvariantCulture, out afterCycle))
        {
            violations.Add("page_token", "is not a page token this service issued.");
        }
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListEvaluationsAsync(id, afterCycle, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Cycle.ToString(CultureInfo.InvariantCulture), fingerprint);
        var response = new ListLabEvaluationsResponse { NextPageToken = next };
        response.Evaluations.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<CloseEvaluationCycleResponse> CloseEvaluationCycle(CloseEvaluationCycleRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Range("cycle", request.Cycle, FirstCycle, Dates.Today.Year);
        violations.ThrowIfAny();
        if (!caller.IsAdmin)
        {
            ApiErrors.PermissionDenied("Only the city's admins close an evaluation cycle.");
        }

        var changed = new List<string>();
        var call = new WriteCall(nameof(CloseEvaluationCycle), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var response = new CloseEvaluationCycleResponse { Cycle = request.Cycle };
            foreach (var row in await LabStore.LockUnfiledAsync(connection, transaction, request.Cycle))
            {
                var (_, applied) = await EvaluateAsync(connection, transaction, caller, row, request.Cycle, null,
                    $"Not filed by the close of cycle {request.Cycle}.", nameof(CloseEvaluationCycle));
                var labName = LabNames.Lab(row.Id);
                response.NotFiled.Add(labName);
                if (applied == LabAction.Revoke)
                {
                    response.Revoked.Add(labName);
                }
                else if (applied == LabAction.RequireRectification)
                {
                    response.Rectification.Add(labName);
                }
                changed.Add(CacheKey(row.Id));
            }
            return response;
        }, changed, context.CancellationToken);
    }

    public override Task<ProjectGradeResponse> ProjectGrade(ProjectGradeRequest request, ServerCallContext context)
    {
        Caller.From(context);
        var violations = new FieldViolations();
        if (request.HasScore)
        {
            violations.Range("score", request.Score, LabGrading.MinScore, LabGrading.MaxScore);
        }
        violations.ThrowIfAny();
        var band = LabGrading.Band(request.HasScore ? request.Score : null);
        return Task.FromResult(new ProjectGradeResponse { Band = band, Consequence = LabGrading.Describe(band) });
    }

    /// <summary>
    /// Records an evaluation and applies its consequence in the same transaction: rectification, or
    /// revocation on the second unqualified cycle in a row. Null evaluation when the cycle already has one.
    /// </summary>
    private static async Task<(EvaluationRow? Evaluation, LabAction? Applied)> EvaluateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, LabRow row, int cycle, int? score, string remarks, string method)
    {
        var band = LabGrading.Band(score);
        var inserted = await LabStore.InsertEvaluationAsync(connection, transaction, new EvaluationRow
        {
            LabId = row.Id, Cycle = cycle, Score = score, Band = (short)band, Remarks = remarks,
        });
        if (inserted is null)
        {
            return (null, null);
        }
        var name = LabNames.Lab(row.Id);
        var state = row.LabState.ToString();
        await AuditLog.WriteAsync(connection, transaction, caller, name, LabNames.Evaluation(row.Id, cycle), method, state, state,
            score is null ? $"cycle {cycle}: not filed, {band}" : $"cycle {cycle}: score {score}, {band}");

        var consecutiveUnqualified = band == Band.Unqualified
            && await LabStore.AnyCycleUnqualifiedAsync(connection, transaction, row.Id, LabGrading.ConsecutiveCycles(cycle), (short)Band.Unqualified);
        if (LabGrading.Consequence(row.LabState, band, consecutiveUnqualified) is not { } action
            || LabLifecycle.Next(row.LabState, action) is not { } next)
        {
            return (inserted, null);
        }
        var reason = action == LabAction.Revoke
            ? $"Automatically revoked: unqualified in two consecutive cycles (cycle {cycle})."
            : $"Automatically sent to rectification: {band} in cycle {cycle}.";
        await LabStore.SetStateAsync(connection, transaction, row.Id, (short)next, reason);
        await AuditLog.WriteAsync(connection, transaction, caller, name, name, MethodName(action), state, next.ToString(), reason);
        return (inserted, action);
    }
}
