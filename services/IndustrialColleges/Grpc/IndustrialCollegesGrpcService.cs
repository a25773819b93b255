// The Industrial Colleges API, one partial file per resource family:
//   IndustrialCollegesGrpcService.Colleges.cs       industrialColleges/{college}: get, list, create, update, audit trail
//   IndustrialCollegesGrpcService.Lifecycle.cs      the lifecycle methods (Model/CollegeLifecycle.cs)
//   IndustrialCollegesGrpcService.Partners.cs       industrialColleges/{college}/partners: invited, accepted or declined, ended
//   IndustrialCollegesGrpcService.Contributions.cs  courses, training bases and mentors the partner enterprises contribute
//   IndustrialCollegesGrpcService.ContributionRules.cs  what those handlers share: partner lock, ownership, field rules
//   IndustrialCollegesGrpcService.Reports.cs        annual reports (Model/ReportRules.cs)
// This file: what they share. Who may read a college is CollegeAccess.CanRead (Model/CollegeAccess.cs), checked by
// RequireReadableAsync and LockVisibleAsync below; IndustrialCollegeStore.ListAsync applies the same rule to lists.

using Collaboration.Colleges.V1;
using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;

namespace Collaboration.IndustrialColleges.Grpc;

/// <summary>The Industrial Colleges API: each method validates, checks who may act, acts, and maps back.</summary>
public sealed partial class IndustrialCollegesGrpcService(IndustrialCollegeStore store, WriteRunner writes, ResourceCache cache, MajorCatalogue catalogue,
    GrantChecker grants, OrganizationDirectory directory)
    : IndustrialCollegeService.IndustrialCollegeServiceBase
{
    private const int MaxNameLength = 200;
    private const int MaxChainLength = 64;
    private const int MaxReasonLength = 2000;
    private const int MaxAddressLength = 500;
    private const int MaxShortTextLength = 100;
    private const int MaxCapacity = 1_000_000;
    private const int MaxCourseHours = 2000;
    private const int MaxMajors = 100;

    private async Task<IndustrialCollege?> ReadAsync(Guid id, CancellationToken cancellationToken)
    {
        var key = CacheKey(id);
        if (await cache.GetAsync(key) is { } cached)
        {
            return IndustrialCollege.Parser.ParseFrom(cached);
        }
        var row = await store.FindAsync(id, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var college = row.ToProto(catalogue);
        await cache.SetAsync(key, college.ToByteArray());
        return college;
    }

    /// <summary>The college when the caller may see it (by the visibility rule or a partner grant); NOT_FOUND otherwise.</summary>
    private async Task<IndustrialCollege> RequireReadableAsync(ServerCallContext context, Caller caller, Guid id, string name)
    {
        var college = await ReadAsync(id, context.CancellationToken);
        if (college is null)
        {
            ApiErrors.NotFound(name);
        }
        var host = college.HostCollege.CreditCode;
        var linked = !CollegeAccess.DecidedWithoutPartnership(caller, host, college.State)
            && await store.IsLinkedAsync(id, caller.Organization, context.CancellationToken);
        if (!await grants.CanReadAsync(context, caller, CollegeNames.College(id), host, CollegeAccess.CanRead(caller, host, college.State, linked)))
        {
            ApiErrors.NotFound(name);
        }
        return college;
    }

    private static async Task<bool> VisibleByRuleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid id,
        CollegeRow row)
    {
        var linked = !CollegeAccess.DecidedWithoutPartnership(caller, row.HostCode, row.CollegeState)
            && await IndustrialCollegeStore.IsLinkedAsync(connection, transaction, id, caller.Organization);
        return CollegeAccess.CanRead(caller, row.HostCode, row.CollegeState, linked);
    }

    /// <summary>Locks the college; NOT_FOUND when it does not exist or the caller may not see it (by rule or grant).</summary>
    private async Task<CollegeRow> LockVisibleAsync(ServerCallContext context, NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, Guid id, string name)
    {
        var row = await IndustrialCollegeStore.LockAsync(connection, transaction, id);
        if (row is null || !await grants.CanReadAsync(context, caller, CollegeNames.College(id), row.HostCode,
                await VisibleByRuleAsync(connection, transaction, caller, id, row)))
        {
            ApiErrors.NotFound(name);
        }
        return row;
    }

    private static Guid ParseCollegeName(string name, string field)
    {
        if (!CollegeNames.TryParseCollege(name, out var id))
        {
            ApiErrors.InvalidArgument(field, "must look like industrialColleges/{college}.");
        }
        return id;
    }

    private static string CacheKey(Guid id) => $"college:{id:D}";
}
