// What the partner enterprises contribute: courses, training bases and mentors (industrialColleges/{college}/courses, …).
// A contribution is made by a current partner enterprise (or the host), for itself.
//
// RPC                                         | SQL: Data/IndustrialCollegeStore.cs                          | rule: Model/
// CreateCourse, CreateTrainingBase, CreateMentor | IsCurrentPartnerAsync, InsertCourse/TrainingBase/MentorAsync | CollegeLifecycle.AcceptsContributions
// DeleteCourse, DeleteTrainingBase, DeleteMentor | LockContributionAsync, DeleteContributionAsync              | CollegeLifecycle.AcceptsContributions
// ListCourses, ListTrainingBases, ListMentors     | ListCourses/TrainingBases/MentorsAsync                       | CollegeAccess.CanRead (of the college)

using Collaboration.Colleges.V1;
using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;

namespace Collaboration.IndustrialColleges.Grpc;

public sealed partial class IndustrialCollegesGrpcService
{
    public override async Task<Course> CreateCourse(CreateCourseRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var course = request.Course ?? new Course();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Text("course.title", course.Title, MaxNameLength);
        violations.Range("course.hours", course.Hours, 1, MaxCourseHours);
        ValidateEnterprise(course.EnterpriseCreditCode, "course.enterprise_credit_code", violations);
        if (course.MajorCodes.Count == 0)
        {
            violations.Add("course.major_codes", "name at least one major the course serves.");
        }
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(CreateCourse), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (row, enterprise) = await LockForContributionAsync(context, connection, transaction, caller, id, course.EnterpriseCreditCode, nameof(CreateCourse));
            var offered = row.MajorCodes.ToHashSet(StringComparer.Ordinal);
            var majorViolations = new FieldViolations();
            for (var i = 0; i < course.MajorCodes.Count; i++)
            {
                if (!offered.Contains(course.MajorCodes[i]))
                {
                    majorViolations.Add($"course.major_codes[{i}]", $"'{course.MajorCodes[i]}' is not a major the college offers.");
                }
            }
            majorViolations.ThrowIfAny();
            var added = await IndustrialCollegeStore.InsertCourseAsync(connection, transaction, new CourseRow
            {
                Id = Guid.CreateVersion7(), CollegeId = id, Title = course.Title.Trim(), Hours = course.Hours,
                EnterpriseCode = enterprise, MajorCodes = course.MajorCodes.Distinct(StringComparer.Ordinal).ToArray(),
            });
            await AuditContributionAsync(connection, transaction, caller, row, added.ToProto().Name, nameof(CreateCourse), enterprise);
            return added.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<TrainingBase> CreateTrainingBase(CreateTrainingBaseRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var trainingBase = request.TrainingBase ?? new TrainingBase();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Text("training_base.display_name", trainingBase.DisplayName, MaxNameLength);
        violations.Text("training_base.address", trainingBase.Address, MaxAddressLength);
        violations.Range("training_base.capacity", trainingBase.Capacity, 1, MaxCapacity);
        ValidateEnterprise(trainingBase.EnterpriseCreditCode, "training_base.enterprise_credit_code", violations);
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(CreateTrainingBase), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (row, enterprise) = await LockForContributionAsync(context, connection, transaction, caller, id, trainingBase.EnterpriseCreditCode, nameof(CreateTrainingBase));
            var added = await IndustrialCollegeStore.InsertTrainingBaseAsync(connection, transaction, new TrainingBaseRow
            {
                Id = Guid.CreateVersion7(), CollegeId = id, DisplayName = trainingBase.DisplayName.Trim(), EnterpriseCode = enterprise,
                Address = trainingBase.Address.Trim(), Capacity = trainingBase.Capacity,
            });
            await AuditContributionAsync(connection, transaction, caller, row, added.ToProto().Name, nameof(CreateTrainingBase), enterprise);
            return added.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<Mentor> CreateMentor(CreateMentorRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var mentor = request.Mentor ?? new Mentor();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Text("mentor.display_name", mentor.DisplayName, MaxShortTextLength);
        violations.Text("mentor.specialty", mentor.Specialty, MaxShortTextLength);
        violations.Text("mentor.title", mentor.Title, MaxShortTextLength, required: false);
        ValidateEnterprise(mentor.EnterpriseCreditCode, "mentor.enterprise_credit_code", violations);
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(CreateMentor), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (row, enterprise) = await LockForContributionAsync(context, connection, transaction, caller, id, mentor.EnterpriseCreditCode, nameof(CreateMentor));
            var added = await IndustrialCollegeStore.InsertMentorAsync(connection, transaction, new MentorRow
            {
                Id = Guid.CreateVersion7(), CollegeId = id, DisplayName = mentor.DisplayName.Trim(), EnterpriseCode = enterprise,
                Specialty = mentor.Specialty.Trim(), Title = mentor.Title.Trim(),
            });
            // The audit names the mentor by resource only: a person's name stays out of the trail.
            await AuditContributionAsync(connection, transaction, caller, row, added.ToProto().Name, nameof(CreateMentor), enterprise);
            return added.ToProto();
        }, [], context.CancellationToken);
    }

    public override Task<Empty> DeleteCourse(DeleteCourseRequest request, ServerCallContext context) =>
        DeleteContributionAsync(request, request.Name, Contribution.Course, CollegeNames.Courses, nameof(DeleteCourse), context);

    public override Task<Empty> DeleteTrainingBase(DeleteTrainingBaseRequest request, ServerCallContext context) =>
        DeleteContributionAsync(request, request.Name, Contribution.TrainingBase, CollegeNames.TrainingBases, nameof(DeleteTrainingBase), context);

    public override Task<Empty> DeleteMentor(DeleteMentorRequest request, ServerCallContext context) =>
        DeleteContributionAsync(request, request.Name, Contribution.Mentor, CollegeNames.Mentors, nameof(DeleteMentor), context);

    public override async Task<ListCoursesResponse> ListCourses(ListCoursesRequest request, ServerCallContext context)
    {
        var (id, size, after, fingerprint) = await ListChildrenAsync(request.Parent, request.PageSize, request.PageToken, "courses", context);
        var rows = await store.ListCoursesAsync(id, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        return new ListCoursesResponse { NextPageToken = next, Courses = { items.Select(r => r.ToProto()) } };
    }

    public override async Task<ListTrainingBasesResponse> ListTrainingBases(ListTrainingBasesRequest request, ServerCallContext context)
    {
        var (id, size, after, fingerprint) = await ListChildrenAsync(request.Parent, request.PageSize, request.PageToken, "trainingBases", context);
        var rows = await store.ListTrainingBasesAsync(id, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        return new ListTrainingBasesResponse { NextPageToken = next, TrainingBases = { items.Select(r => r.ToProto()) } };
    }

    public override async Task<ListMentorsResponse> ListMentors(ListMentorsRequest request, ServerCallContext context)
    {
        var (id, size, after, fingerprint) = await ListChildrenAsync(request.Parent, request.PageSize, request.PageToken, "mentors", context);
        var rows = await store.ListMentorsAsync(id, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        return new ListMentorsResponse { NextPageToken = next, Mentors = { items.Select(r => r.ToProto()) } };
    }

    /// <summary>
    /// Locks the college for a partner's contribution: the acting enterprise (the named one, or the
    /// caller's) must be the caller's own and a current partner, and the college must accept contributions.
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
        if (!await IndustrialCollegeStore.IsCurrentPartnerAsync(connection, transaction, id, enterprise))
        {
            ApiErrors.FailedPrecondition("NOT_A_CURRENT_PARTNER", $"{enterprise} is not a current partner of {name}.");
        }
        return (row, enterprise);
    }

    private async Task<Empty> DeleteContributionAsync(IMessage request, string itemName, Contribution kind, string collection, string method,
        ServerCallContext context)
    {
        var caller = Caller.From(context);
        if (!CollegeNames.TryParseChild(itemName, collection, out var id, out Guid itemId))
        {
            ApiErrors.InvalidArgument("name", $"must look like industrialColleges/{{college}}/{collection}/{{id}}.");
        }
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
            if (!caller.CanEditFor(enterprise))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of {enterprise}, which contributed it, may delete {itemName}.");
            }
            if (!CollegeLifecycle.AcceptsContributions(row.CollegeState))
            {
                ApiErrors.InvalidState(name, method, row.CollegeState.ToString());
            }
            // A removed partner's contributions are the college's history and stay.
            if (!await IndustrialCollegeStore.IsCurrentPartnerAsync(connection, transaction, id, enterprise))
            {
                ApiErrors.FailedPrecondition("NOT_A_CURRENT_PARTNER", $"{enterprise} is no longer a partner of {name}; what it contributed stays on record.");
            }
            await IndustrialCollegeStore.DeleteContributionAsync(connection, transaction, kind, itemId);
            await AuditLog.WriteAsync(connection, transaction, caller, name, itemName, method,
                row.CollegeState.ToString(), row.CollegeState.ToString(), enterprise);
            return new Empty();
        }, [], context.CancellationToken);
    }

    private static Task AuditContributionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, CollegeRow row,
        string resource, string method, string enterprise) =>
        AuditLog.WriteAsync(connection, transaction, caller, CollegeNames.College(row.Id), resource, method,
            row.CollegeState.ToString(), row.CollegeState.ToString(), enterprise);

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

    private static void ValidateEnterprise(string code, string field, FieldViolations violations)
    {
        if (code.Length > 0)
        {
            violations.CreditCode(field, code);
        }
    }
}
