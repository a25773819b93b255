// The pieces the contribution handlers share: the partner lock, who manages an item, audit, child names and the
// field rules (Create checks every field, Update the fields its mask names — one set of rules).

using Collaboration.Colleges.V1;
using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;

namespace Collaboration.IndustrialColleges.Grpc;

public sealed partial class IndustrialCollegesGrpcService
{
    /// <summary>
    /// Locks the college for a partner's contribution: the acting enterprise (the named one, or the
    /// caller's) must be the caller's own and a current (active) partner, and the college must accept contributions.
    /// </summary>
    private async Task<(CollegeRow Row, string Enterprise)> LockForContributionAsync(ServerCallContext context, NpgsqlConnection connection,
        NpgsqlTransaction transaction, Caller caller, Guid id, string requestedEnterprise, string method)
    {
        var name = CollegeNames.College(id);
        var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
        var enterprise = string.IsNullOrEmpty(requestedEnterprise) ? caller.Organization : requestedEnterprise;
        if (!caller.CanEditFor(enterprise))
        {
            ApiErrors.PermissionDenied("A partner enterprise's owner or editor contributes in its own enterprise's name only.");
        }
        if (!CollegeLifecycle.AcceptsContributions(row.CollegeState))
        {
            ApiErrors.InvalidState(name, method, row.CollegeState.ToString());
        }
        if (!await IndustrialCollegeStore.IsActivePartnerAsync(connection, transaction, id, enterprise))
        {
            ApiErrors.FailedPrecondition("NOT_A_CURRENT_PARTNER", $"{enterprise} is not a current partner of {name}.");
        }
        return (row, enterprise);
    }

    private async Task<Empty> DeleteContributionAsync(IMessage request, string itemName, Contribution kind, string collection, string method,
        ServerCallContext context)
    {
        var caller = Caller.From(context);
        var (id, itemId) = ParseChildName(itemName, collection, "name");
        var name = CollegeNames.College(id);
        var call = new WriteCall(method, caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            var enterprise = await IndustrialCollegeStore.LockContributionAsync(connection, transaction, kind, id, itemId);
            if (enterprise is null)
            {
                ApiErrors.NotFound(itemName);
            }
            await CheckManagesAsync(connection, transaction, caller, row, itemName, enterprise, method);
            await IndustrialCollegeStore.DeleteContributionAsync(connection, transaction, kind, itemId);
            await AuditLog.WriteAsync(connection, transaction, caller, name, itemName, method,
                row.CollegeState.ToString(), row.CollegeState.ToString(), enterprise);
            return new Empty();
        }, [], context.CancellationToken);
    }

    /// <summary>
    /// An item is changed or deleted by an owner or editor of the enterprise that contributed it, while the college
    /// accepts contributions and that enterprise is still a current partner.
    /// </summary>
    private static async Task CheckManagesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, CollegeRow row,
        string itemName, string enterprise, string method)
    {
        var name = CollegeNames.College(row.Id);
        if (!caller.CanEditFor(enterprise))
        {
            ApiErrors.PermissionDenied($"Only an owner or editor of {enterprise}, which contributed it, may change or delete {itemName}.");
        }
        if (!CollegeLifecycle.AcceptsContributions(row.CollegeState))
        {
            ApiErrors.InvalidState(name, method, row.CollegeState.ToString());
        }
        // A removed partner's contributions are the college's history and stay as they are.
        if (!await IndustrialCollegeStore.IsActivePartnerAsync(connection, transaction, row.Id, enterprise))
        {
            ApiErrors.FailedPrecondition("NOT_A_CURRENT_PARTNER", $"{enterprise} is no longer a partner of {name}; what it contributed stays on record.");
        }
    }

    private static string UpdateDetail(string enterprise, IEnumerable<string> paths) => $"{enterprise}: {string.Join(",", paths)}";

    private static Task AuditContributionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, CollegeRow row,
        string resource, string method, string detail) =>
        AuditLog.WriteAsync(connection, transaction, caller, CollegeNames.College(row.Id), resource, method,
            row.CollegeState.ToString(), row.CollegeState.ToString(), detail);

    private async Task<(Guid Id, int Size, Guid? After, string Fingerprint)> ListChildrenAsync(string parent, int pageSize, string pageToken,
        string collection, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(pageSize, violations);
        var fingerprint = Page.Fingerprint(parent, collection);
        var after = Page.AfterGuid(pageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, parent);
        return (id, size, after, fingerprint);
    }

    private static (Guid CollegeId, Guid Id) ParseChildName(string name, string collection, string field)
    {
        if (!CollegeNames.TryParseChild(name, collection, out var id, out Guid itemId))
        {
            ApiErrors.InvalidArgument(field, $"must look like industrialColleges/{{college}}/{collection}/{{id}}.");
        }
        return (id, itemId);
    }

    /// <summary>The item's college, when the caller may read it (NOT_FOUND naming the item otherwise), and the item's id.</summary>
    private async Task<(Guid CollegeId, Guid Id)> RequireReadableChildAsync(string name, string collection, ServerCallContext context)
    {
        var (id, itemId) = ParseChildName(name, collection, "name");
        await RequireReadableAsync(context, Caller.From(context), id, name);
        return (id, itemId);
    }

    // Create checks every field; Update only the fields its mask names (the same rules, one place).
    private static void ValidateCourse(Course course, FieldViolations violations, IReadOnlyCollection<string>? only = null)
    {
        if (only is null || only.Contains("title"))
        {
            violations.Text("course.title", course.Title, MaxNameLength);
        }
        if (only is null || only.Contains("hours"))
        {
            violations.Range("course.hours", course.Hours, 1, MaxCourseHours);
        }
        if ((only is null || only.Contains("major_codes")) && course.MajorCodes.Count == 0)
        {
            violations.Add("course.major_codes", "name at least one major the course serves.");
        }
    }

    private static void ValidateTrainingBase(TrainingBase trainingBase, FieldViolations violations, IReadOnlyCollection<string>? only = null)
    {
        if (only is null || only.Contains("display_name"))
        {
            violations.Text("training_base.display_name", trainingBase.DisplayName, MaxNameLength);
        }
        if (only is null || only.Contains("address"))
        {
            violations.Text("training_base.address", trainingBase.Address, MaxAddressLength);
        }
        if (only is null || only.Contains("capacity"))
        {
            violations.Range("training_base.capacity", trainingBase.Capacity, 1, MaxCapacity);
        }
    }

    private static void ValidateMentor(Mentor mentor, FieldViolations violations, IReadOnlyCollection<string>? only = null)
    {
        if (only is null || only.Contains("display_name"))
        {
            violations.Text("mentor.display_name", mentor.DisplayName, MaxShortTextLength);
        }
        if (only is null || only.Contains("specialty"))
        {
            violations.Text("mentor.specialty", mentor.Specialty, MaxShortTextLength);
        }
        if (only is null || only.Contains("title"))
        {
            violations.Text("mentor.title", mentor.Title, MaxShortTextLength, required: false);
        }
    }

    /// <summary>A course serves majors the college offers: INVALID_ARGUMENT naming each code it does not.</summary>
    private static void CheckOfferedMajors(CollegeRow row, IReadOnlyList<string> codes)
    {
        var offered = row.MajorCodes.ToHashSet(StringComparer.Ordinal);
        var violations = new FieldViolations();
        for (var i = 0; i < codes.Count; i++)
        {
            if (!offered.Contains(codes[i]))
            {
                violations.Add($"course.major_codes[{i}]", $"'{codes[i]}' is not a major the college offers.");
            }
        }
        violations.ThrowIfAny();
    }

    private static void ValidateEnterprise(string code, string field, FieldViolations violations)
    {
        if (code.Length > 0)
        {
            violations.CreditCode(field, code);
        }
    }
}
