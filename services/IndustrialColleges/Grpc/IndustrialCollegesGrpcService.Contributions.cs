// What the partner enterprises contribute: courses, training bases and mentors (industrialColleges/{college}/courses, …).
// A contribution is made by a current partner enterprise (or the host), for itself; only that enterprise, while a
// current partner, updates or deletes it; whoever may read the college reads it.
//
// RPC                                         | SQL: Data/IndustrialCollegeStore.cs                          | rule: Model/
// CreateCourse, CreateTrainingBase, CreateMentor | IsActivePartnerAsync, InsertCourse/TrainingBase/MentorAsync | CollegeLifecycle.AcceptsContributions
// GetCourse, GetTrainingBase, GetMentor          | FindCourse/TrainingBase/MentorAsync                          | CollegeAccess.CanRead (of the college)
// UpdateCourse, UpdateTrainingBase, UpdateMentor | LockCourse/TrainingBase/MentorAsync, Update…Async            | CollegeLifecycle.AcceptsContributions
// DeleteCourse, DeleteTrainingBase, DeleteMentor | LockContributionAsync, DeleteContributionAsync              | CollegeLifecycle.AcceptsContributions
// ListCourses, ListTrainingBases, ListMentors     | ListCourses/TrainingBases/MentorsAsync                       | CollegeAccess.CanRead (of the college)

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
    // The enterprise that contributed an item is its owner and is not updatable.
    private static readonly HashSet<string> CoursePaths = ["title", "hours", "major_codes"];
    private static readonly HashSet<string> TrainingBasePaths = ["display_name", "address", "capacity"];
    private static readonly HashSet<string> MentorPaths = ["display_name", "specialty", "title"];

    public override async Task<Course> CreateCourse(CreateCourseRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var course = request.Course ?? new Course();
        var violations = new FieldViolations().RequestId(request.RequestId);
        ValidateCourse(course, violations);
        ValidateEnterprise(course.EnterpriseCreditCode, "course.enterprise_credit_code", violations);
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(CreateCourse), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (row, enterprise) = await LockForContributionAsync(context, connection, transaction, caller, id, course.EnterpriseCreditCode, nameof(CreateCourse));
            CheckOfferedMajors(row, course.MajorCodes);
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
        ValidateTrainingBase(trainingBase, violations);
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
        ValidateMentor(mentor, violations);
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

    public override async Task<Course> GetCourse(GetCourseRequest request, ServerCallContext context)
    {
        var (id, itemId) = await RequireReadableChildAsync(request.Name, CollegeNames.Courses, context);
        var course = await store.FindCourseAsync(id, itemId, context.CancellationToken);
        if (course is null)
        {
            ApiErrors.NotFound(request.Name);
        }
        return course.ToProto();
    }

    public override async Task<TrainingBase> GetTrainingBase(GetTrainingBaseRequest request, ServerCallContext context)
    {
        var (id, itemId) = await RequireReadableChildAsync(request.Name, CollegeNames.TrainingBases, context);
        var trainingBase = await store.FindTrainingBaseAsync(id, itemId, context.CancellationToken);
        if (trainingBase is null)
        {
            ApiErrors.NotFound(request.Name);
        }
        return trainingBase.ToProto();
    }

    public override async Task<Mentor> GetMentor(GetMentorRequest request, ServerCallContext context)
    {
        var (id, itemId) = await RequireReadableChildAsync(request.Name, CollegeNames.Mentors, context);
        var mentor = await store.FindMentorAsync(id, itemId, context.CancellationToken);
        if (mentor is null)
        {
            ApiErrors.NotFound(request.Name);
        }
        return mentor.ToProto();
    }

    public override async Task<Course> UpdateCourse(UpdateCourseRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Course ?? new Course();
        var (id, itemId) = ParseChildName(patch.Name, CollegeNames.Courses, "course.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, CoursePaths, violations);
        ValidateCourse(patch, violations, paths);
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(UpdateCourse), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, CollegeNames.College(id));
            var course = await IndustrialCollegeStore.LockCourseAsync(connection, transaction, id, itemId);
            if (course is null)
            {
                ApiErrors.NotFound(patch.Name);
            }
            await CheckManagesAsync(connection, transaction, caller, row, patch.Name, course.EnterpriseCode, nameof(UpdateCourse));
            ApiErrors.CheckEtag(patch.Etag, course.Etag, patch.Name);
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "title": course.Title = patch.Title.Trim(); break;
                    case "hours": course.Hours = patch.Hours; break;
                    case "major_codes":
                        CheckOfferedMajors(row, patch.MajorCodes);
                        course.MajorCodes = patch.MajorCodes.Distinct(StringComparer.Ordinal).ToArray();
                        break;
                }
            }
            var updated = await IndustrialCollegeStore.UpdateCourseAsync(connection, transaction, course);
            await AuditContributionAsync(connection, transaction, caller, row, patch.Name, nameof(UpdateCourse), UpdateDetail(course.EnterpriseCode, paths));
            return updated.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<TrainingBase> UpdateTrainingBase(UpdateTrainingBaseRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.TrainingBase ?? new TrainingBase();
        var (id, itemId) = ParseChildName(patch.Name, CollegeNames.TrainingBases, "training_base.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, TrainingBasePaths, violations);
        ValidateTrainingBase(patch, violations, paths);
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(UpdateTrainingBase), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, CollegeNames.College(id));
            var trainingBase = await IndustrialCollegeStore.LockTrainingBaseAsync(connection, transaction, id, itemId);
            if (trainingBase is null)
            {
                ApiErrors.NotFound(patch.Name);
            }
            await CheckManagesAsync(connection, transaction, caller, row, patch.Name, trainingBase.EnterpriseCode, nameof(UpdateTrainingBase));
            ApiErrors.CheckEtag(patch.Etag, trainingBase.Etag, patch.Name);
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "display_name": trainingBase.DisplayName = patch.DisplayName.Trim(); break;
                    case "address": trainingBase.Address = patch.Address.Trim(); break;
                    case "capacity": trainingBase.Capacity = patch.Capacity; break;
                }
            }
            var updated = await IndustrialCollegeStore.UpdateTrainingBaseAsync(connection, transaction, trainingBase);
            await AuditContributionAsync(connection, transaction, caller, row, patch.Name, nameof(UpdateTrainingBase),
                UpdateDetail(trainingBase.EnterpriseCode, paths));
            return updated.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<Mentor> UpdateMentor(UpdateMentorRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Mentor ?? new Mentor();
        var (id, itemId) = ParseChildName(patch.Name, CollegeNames.Mentors, "mentor.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, MentorPaths, violations);
        ValidateMentor(patch, violations, paths);
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(UpdateMentor), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, CollegeNames.College(id));
            var mentor = await IndustrialCollegeStore.LockMentorAsync(connection, transaction, id, itemId);
            if (mentor is null)
            {
                ApiErrors.NotFound(patch.Name);
            }
            await CheckManagesAsync(connection, transaction, caller, row, patch.Name, mentor.EnterpriseCode, nameof(UpdateMentor));
            ApiErrors.CheckEtag(patch.Etag, mentor.Etag, patch.Name);
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "display_name": mentor.DisplayName = patch.DisplayName.Trim(); break;
                    case "specialty": mentor.Specialty = patch.Specialty.Trim(); break;
                    case "title": mentor.Title = patch.Title.Trim(); break;
                }
            }
            var updated = await IndustrialCollegeStore.UpdateMentorAsync(connection, transaction, mentor);
            // The audit names the changed fields, never their values: a person's name stays out of the trail.
            await AuditContributionAsync(connection, transaction, caller, row, patch.Name, nameof(UpdateMentor), UpdateDetail(mentor.EnterpriseCode, paths));
            return updated.ToProto();
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
}
