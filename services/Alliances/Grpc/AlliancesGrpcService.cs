// The Alliances API, one partial file per resource family:
//   AlliancesGrpcService.Alliances.cs    alliances/{alliance}: get, list, create, update, audit trail
//   AlliancesGrpcService.Lifecycle.cs    the lifecycle methods (Model/AllianceLifecycle.cs)
//   AlliancesGrpcService.Members.cs      alliances/{alliance}/members
//   AlliancesGrpcService.Evaluations.cs  alliances/{alliance}/evaluations (Model/AllianceGrading.cs)
// This file: what they share. Who may read an alliance is AllianceAccess.CanRead (Model/AllianceAccess.cs), checked by
// RequireReadableAsync and LockVisibleAsync below; AllianceStore.ListAsync applies the same rule to lists.

using Collaboration.Alliances.Data;
using Collaboration.Alliances.Model;
using Collaboration.Alliances.V1;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;

namespace Collaboration.Alliances.Grpc;

/// <summary>The Alliances API: each method validates, checks who may act, acts, and maps back.</summary>
public sealed partial class AlliancesGrpcService(AllianceStore store, WriteRunner writes, ResourceCache cache, GrantChecker grants,
    OrganizationDirectory directory) : AllianceService.AllianceServiceBase
{
    private const int MaxNameLength = 200;
    private const int MaxShortNameLength = 50;
    private const int MaxChainLength = 64;
    private const int MaxCharterLength = 4000;
    private const int MaxReasonLength = 2000;

    private async Task<Alliance?> ReadAsync(Guid id, CancellationToken cancellationToken)
    {
        var key = CacheKey(id);
        if (await cache.GetAsync(key) is { } cached)
        {
            return Alliance.Parser.ParseFrom(cached);
        }
        var row = await store.FindAsync(id, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var alliance = row.ToProto();
        await cache.SetAsync(key, alliance.ToByteArray());
        return alliance;
    }

    private async Task<bool> CanReadAsync(Caller caller, Alliance alliance, Guid id, CancellationToken cancellationToken)
    {
        var lead = alliance.LeadOrganization.CreditCode;
        if (AllianceAccess.DecidedWithoutMembership(caller, lead, alliance.State))
        {
            return AllianceAccess.CanRead(caller, lead, alliance.State, callerIsLinked: false);
        }
        return AllianceAccess.CanRead(caller, lead, alliance.State, await store.IsLinkedAsync(id, caller.Organization, cancellationToken));
    }

    /// <summary>The alliance when the caller may see it (by the visibility rule or a partner grant); NOT_FOUND otherwise.</summary>
    private async Task<Alliance> RequireReadableAsync(ServerCallContext context, Caller caller, Guid id, string name)
    {
        var alliance = await ReadAsync(id, context.CancellationToken);
        if (alliance is null || !await grants.CanReadAsync(context, caller, AllianceNames.Alliance(id), alliance.LeadOrganization.CreditCode,
                await CanReadAsync(caller, alliance, id, context.CancellationToken)))
        {
            ApiErrors.NotFound(name);
        }
        return alliance;
    }

    private static async Task<bool> VisibleByRuleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid id, AllianceRow row)
    {
        var member = !AllianceAccess.DecidedWithoutMembership(caller, row.LeadCode, row.AllianceState)
            && await AllianceStore.IsLinkedAsync(connection, transaction, id, caller.Organization);
        return AllianceAccess.CanRead(caller, row.LeadCode, row.AllianceState, member);
    }

    /// <summary>Locks the alliance; NOT_FOUND when it does not exist or the caller may not see it (by rule or grant).</summary>
    private async Task<AllianceRow> LockVisibleAsync(ServerCallContext context, NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, Guid id, string name)
    {
        var row = await AllianceStore.LockAsync(connection, transaction, id);
        if (row is null || !await grants.CanReadAsync(context, caller, AllianceNames.Alliance(id), row.LeadCode,
                await VisibleByRuleAsync(connection, transaction, caller, id, row)))
        {
            ApiErrors.NotFound(name);
        }
        return row;
    }

    private static Guid ParseAllianceName(string name, string field)
    {
        if (!AllianceNames.TryParseAlliance(name, out var id))
        {
            ApiErrors.InvalidArgument(field, "must look like alliances/{alliance}.");
        }
        return id;
    }

    private static string CacheKey(Guid id) => $"alliance:{id:D}";
}
