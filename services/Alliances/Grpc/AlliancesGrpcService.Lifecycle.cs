// The alliance lifecycle: each method below is one act of the table in Model/AllianceLifecycle.cs, run by TransitionAsync.
//
// RPC                                                  | SQL: Data/AllianceStore.cs           | rule: Model/
// SubmitAlliance, ReturnAlliance, RequireAllianceRectification,
// ReinstateAlliance, DissolveAlliance                  | LockAsync, SetStateAsync             | AllianceLifecycle.Next, .IsAdminAct
// ApproveAlliance                                      | + CurrentMembersAsync                | + CheckApprovable below: industry and academia

using Collaboration.Alliances.Data;
using Collaboration.Alliances.Model;
using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Google.Protobuf;
using Grpc.Core;

namespace Collaboration.Alliances.Grpc;

public sealed partial class AlliancesGrpcService
{
    public override Task<Alliance> SubmitAlliance(SubmitAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Submit, null, context);

    public override Task<Alliance> ApproveAlliance(ApproveAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Approve, null, context);

    public override Task<Alliance> ReturnAlliance(ReturnAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Return, Required(request.Reason), context);

    public override Task<Alliance> RequireAllianceRectification(RequireAllianceRectificationRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.RequireRectification, Required(request.Reason), context);

    public override Task<Alliance> ReinstateAlliance(ReinstateAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Reinstate, null, context);

    public override Task<Alliance> DissolveAlliance(DissolveAllianceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, AllianceAction.Dissolve, Optional(request.Reason), context);

    private async Task<Alliance> TransitionAsync(IMessage request, string allianceName, string etag, string requestId,
        AllianceAction action, string? reason, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(requestId);
        if (!AllianceNames.TryParseAlliance(allianceName, out var id))
        {
            violations.Add("name", "must look like alliances/{alliance}.");
        }
        if (reason is "")
        {
            violations.Add("reason", "is required: say what must change.");
        }
        else if (reason is not null)
        {
            violations.Text("reason", reason, MaxReasonLength);
        }
        violations.ThrowIfAny();

        var method = $"{action}Alliance";
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, allianceName);
            var allowed = AllianceLifecycle.IsAdminAct(action) ? caller.IsAdmin : caller.CanEditFor(row.LeadCode);
            if (!allowed)
            {
                ApiErrors.PermissionDenied(AllianceLifecycle.IsAdminAct(action)
                    ? $"Only the city's admins may {action} an alliance."
                    : $"Only an owner or editor of the lead organisation may {action} {allianceName}.");
            }
            ApiErrors.CheckEtag(etag, row.Etag, allianceName);
            if (AllianceLifecycle.Next(row.AllianceState, action) is not { } next)
            {
                ApiErrors.InvalidState(allianceName, method, row.AllianceState.ToString());
                return null!;
            }
            if (action == AllianceAction.Approve)
            {
                CheckApprovable(await AllianceStore.CurrentMembersAsync(connection, transaction, id));
            }
            var updated = await AllianceStore.SetStateAsync(connection, transaction, id, (short)next, reason?.Trim() ?? "");
            await AuditLog.WriteAsync(connection, transaction, caller, allianceName, allianceName, method,
                row.AllianceState.ToString(), next.ToString(), reason?.Trim() ?? "");
            return updated.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    /// <summary>Approval joins industry and academia: an enterprise, a university or research institute, exactly one lead.</summary>
    private static void CheckApprovable(IReadOnlyList<(short Kind, short Role)> members)
    {
        var problems = new List<string>();
        if (!members.Any(m => m.Kind == (short)OrganizationKind.Enterprise))
        {
            problems.Add("at least one enterprise");
        }
        if (!members.Any(m => m.Kind is (short)OrganizationKind.University or (short)OrganizationKind.ResearchInstitute))
        {
            problems.Add("at least one university or research institute");
        }
        if (members.Count(m => m.Role == (short)Member.Types.Role.Lead) != 1)
        {
            problems.Add("exactly one current lead");
        }
        if (problems.Count > 0)
        {
            ApiErrors.FailedPrecondition("MEMBERSHIP_INCOMPLETE",
                $"Approval needs {string.Join(", ", problems)} among the current members.");
        }
    }

    private static string Required(string reason) => reason ?? "";

    private static string? Optional(string reason) => string.IsNullOrWhiteSpace(reason) ? null : reason;
}
