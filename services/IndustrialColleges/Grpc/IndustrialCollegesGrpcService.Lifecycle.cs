// The college lifecycle: each method below is one act of the table in Model/CollegeLifecycle.cs, run by TransitionAsync.
//
// RPC                                   | SQL: Data/IndustrialCollegeStore.cs | rule: Model/
// SubmitIndustrialCollege, ReturnIndustrialCollege, ApproveIndustrialCollege, OpenIndustrialCollege,
// StartIndustrialCollegeReview, ReinstateIndustrialCollege,
// CloseIndustrialCollege                | LockAsync, SetStateAsync            | CollegeLifecycle.Next, .IsAdminAct, .NeedsReason

using Collaboration.Colleges.V1;
using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Google.Protobuf;
using Grpc.Core;

namespace Collaboration.IndustrialColleges.Grpc;

public sealed partial class IndustrialCollegesGrpcService
{
    public override Task<IndustrialCollege> SubmitIndustrialCollege(SubmitIndustrialCollegeRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, CollegeAction.Submit, null, context);

    public override Task<IndustrialCollege> ReturnIndustrialCollege(ReturnIndustrialCollegeRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, CollegeAction.Return, request.Reason ?? "", context);

    public override Task<IndustrialCollege> ApproveIndustrialCollege(ApproveIndustrialCollegeRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, CollegeAction.Approve, null, context);

    public override Task<IndustrialCollege> OpenIndustrialCollege(OpenIndustrialCollegeRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, CollegeAction.Open, null, context);

    public override Task<IndustrialCollege> StartIndustrialCollegeReview(StartIndustrialCollegeReviewRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, CollegeAction.StartReview, request.Reason ?? "", context);

    public override Task<IndustrialCollege> ReinstateIndustrialCollege(ReinstateIndustrialCollegeRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, CollegeAction.Reinstate, null, context);

    public override Task<IndustrialCollege> CloseIndustrialCollege(CloseIndustrialCollegeRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, CollegeAction.Close,
            string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason, context);

    private async Task<IndustrialCollege> TransitionAsync(IMessage request, string collegeName, string etag, string requestId,
        CollegeAction action, string? reason, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(requestId);
        if (!CollegeNames.TryParseCollege(collegeName, out var id))
        {
            violations.Add("name", "must look like industrialColleges/{college}.");
        }
        if (CollegeLifecycle.NeedsReason(action) && string.IsNullOrWhiteSpace(reason))
        {
            violations.Add("reason", "is required: say what must change.");
        }
        else if (reason is not null)
        {
            violations.Text("reason", reason, MaxReasonLength, required: false);
        }
        violations.ThrowIfAny();

        var method = action == CollegeAction.StartReview ? "StartIndustrialCollegeReview" : $"{action}IndustrialCollege";
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, collegeName);
            var adminAct = CollegeLifecycle.IsAdminAct(action);
            if (adminAct ? !caller.IsAdmin : !caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied(adminAct
                    ? $"Only the city's admins may {action} an industrial college."
                    : $"Only an owner or editor of the host college may {action} {collegeName}.");
            }
            ApiErrors.CheckEtag(etag, row.Etag, collegeName);
            if (CollegeLifecycle.Next(row.CollegeState, action) is not { } next)
            {
                ApiErrors.InvalidState(collegeName, method, row.CollegeState.ToString());
                return null!;
            }
            if (action == CollegeAction.Submit && row.PartnerCount < 1)
            {
                ApiErrors.FailedPrecondition("NO_PARTNER", $"{collegeName} needs at least one current partner enterprise before it is submitted.");
            }
            var updated = await IndustrialCollegeStore.SetStateAsync(connection, transaction, id, (short)next, reason?.Trim() ?? "");
            await AuditLog.WriteAsync(connection, transaction, caller, collegeName, collegeName, method,
                row.CollegeState.ToString(), next.ToString(), reason?.Trim() ?? "");
            return updated.ToProto(catalogue);
        }, [CacheKey(id)], context.CancellationToken);
    }
}
