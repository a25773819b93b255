// The Labs API, one partial file per resource family:
//   LabsGrpcService.Labs.cs         labs/{lab}: get, list, create, update, audit trail
//   LabsGrpcService.Lifecycle.cs    the lifecycle methods (Model/LabLifecycle.cs) and RequestLabUpgrade
//   LabsGrpcService.Partners.cs     labs/{lab}/partners
//   LabsGrpcService.Evaluations.cs  labs/{lab}/evaluations, CloseEvaluationCycle, ProjectGrade (Model/LabGrading.cs)
//   LabsGrpcService.Posts.cs        labs/{lab}/posts (Model/PostLifecycle.cs), and the post steps both parents share
//   LabsGrpcService.OrganizationPosts.cs  organizations/{credit_code}/posts: posts without a platform (Model/PostRules.cs)
// This file: what they share. Who may read a platform is LabRules.CanRead (Model/LabRules.cs), checked by
// RequireReadableAsync and LockVisibleAsync below; LabStore.ListAsync applies the same rule to lists.

using Collaboration.Labs.Data;
using Collaboration.Labs.Model;
using Collaboration.Labs.V1;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;

namespace Collaboration.Labs.Grpc;

/// <summary>The Labs API: each method validates, checks who may act, acts, and maps back.</summary>
public sealed partial class LabsGrpcService(LabStore store, WriteRunner writes, ResourceCache cache, GrantChecker grants,
    OrganizationDirectory directory) : LabService.LabServiceBase
{
    private const int MaxNameLength = 200;
    private const int MaxFieldLength = 64;
    private const int MaxPersonLength = 100;
    private const int MaxSummaryLength = 4000;
    private const int MaxReasonLength = 2000;
    private const int MaxDeclineReasonLength = 500;
    private const int FirstCycle = 2000;
    private static readonly int ConstructionYears = 2;

    private async Task<Lab?> ReadAsync(Guid id, CancellationToken cancellationToken)
    {
        var key = CacheKey(id);
        if (await cache.GetAsync(key) is { } cached)
        {
            return Lab.Parser.ParseFrom(cached);
        }
        var row = await store.FindAsync(id, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var lab = row.ToProto();
        await cache.SetAsync(key, lab.ToByteArray());
        return lab;
    }

    /// <summary>The platform when the caller may see it (by the visibility rule or a partner grant); NOT_FOUND otherwise.</summary>
    private async Task<Lab> RequireReadableAsync(ServerCallContext context, Caller caller, Guid id, string name)
    {
        var lab = await ReadAsync(id, context.CancellationToken);
        if (lab is null)
        {
            ApiErrors.NotFound(name);
        }
        var host = lab.HostOrganization.CreditCode;
        var link = LabRules.DecidedWithoutPartnership(caller, host, lab.State) ? null
            : await store.LiveLinkAsync(id, caller.Organization, context.CancellationToken);
        if (!await grants.CanReadAsync(context, caller, LabNames.Lab(id), host, LabRules.CanRead(caller, host, lab.State, link)))
        {
            ApiErrors.NotFound(name);
        }
        return lab;
    }

    private static async Task<bool> VisibleByRuleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid id, LabRow row)
    {
        var link = LabRules.DecidedWithoutPartnership(caller, row.HostCode, row.LabState) ? null
            : await LabStore.LiveLinkAsync(connection, transaction, id, caller.Organization);
        return LabRules.CanRead(caller, row.HostCode, row.LabState, link);
    }

    /// <summary>Locks the platform; NOT_FOUND when it does not exist or the caller may not see it (by rule or grant).</summary>
    private async Task<LabRow> LockVisibleAsync(ServerCallContext context, NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, Guid id, string name)
    {
        var row = await LabStore.LockAsync(connection, transaction, id);
        if (row is null || !await grants.CanReadAsync(context, caller, LabNames.Lab(id), row.HostCode,
                await VisibleByRuleAsync(connection, transaction, caller, id, row)))
        {
            ApiErrors.NotFound(name);
        }
        return row;
    }

    /// <summary>A set date must be a calendar date; an unset one is null.</summary>
    private static DateOnly? ParseDate(Google.Type.Date? date, string field, FieldViolations violations)
    {
        if (!date.IsSet())
        {
            return null;
        }
        if (date.ToDateOnly() is { } value)
        {
            return value;
        }
        violations.Add(field, "is not a valid calendar date.");
        return null;
    }

    private static Guid ParseLabName(string name, string field)
    {
        if (!LabNames.TryParseLab(name, out var id))
        {
            ApiErrors.InvalidArgument(field, "must look like labs/{lab}.");
        }
        return id;
    }

    private static string CacheKey(Guid id) => $"lab:{id:D}";

    private static string? Optional(string reason) => string.IsNullOrWhiteSpace(reason) ? null : reason;
}
