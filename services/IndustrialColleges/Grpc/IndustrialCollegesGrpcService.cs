using System.Globalization;
using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Grpc;

/// <summary>The Industrial Colleges API: each method validates, checks who may act, acts, and maps back.</summary>
public sealed class IndustrialCollegesGrpcService(IndustrialCollegeStore store, WriteRunner writes, ResourceCache cache, MajorCatalogue catalogue,
    GrantChecker grants)
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

    private static readonly HashSet<string> UpdatablePaths =
        ["display_name", "industry_chain", "annual_enrolment_capacity", "major_catalogue_year", "majors"];

    private static readonly HashSet<string> ReportPaths =
    [
        "enrolment", "graduates", "graduates_cohort_year", "courses_delivered", "co_developed_courses_delivered",
        "mentor_hours", "trainees_hosted",
    ];

    public override async Task<IndustrialCollege> GetIndustrialCollege(GetIndustrialCollegeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Name, "name");
        return await RequireReadableAsync(context, caller, id, request.Name);
    }

    public override async Task<ListIndustrialCollegesResponse> ListIndustrialColleges(ListIndustrialCollegesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        violations.Text("industry_chain", request.IndustryChain, MaxChainLength, required: false);
        if (request.PartnerCreditCode.Length > 0)
        {
            violations.CreditCode("partner_credit_code", request.PartnerCreditCode);
        }
        var fingerprint = Page.Fingerprint(request.State, request.IndustryChain, request.PartnerCreditCode);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var filter = new CollegeFilter((short)request.State, request.IndustryChain, request.PartnerCreditCode);
        var rows = await store.ListAsync(caller, filter, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListIndustrialCollegesResponse { NextPageToken = next };
        response.IndustrialColleges.AddRange(items.Select(r => r.ToProto(catalogue)));
        return response;
    }

    public override async Task<IndustrialCollege> CreateIndustrialCollege(CreateIndustrialCollegeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var college = request.IndustrialCollege ?? new IndustrialCollege();
        var violations = new FieldViolations().RequestId(request.RequestId);
        ValidateDetails(college, violations, "industrial_college.");
        if (college.MajorCatalogueYear != 0)
        {
            ValidateMajors(college.MajorCatalogueYear, college.Majors.Select(m => m.Code).ToList(), violations, "industrial_college.majors");
        }
        var host = college.HostCollege;
        if (host is not null && host.CreditCode.Length > 0)
        {
            violations.CreditCode("industrial_college.host_college.credit_code", host.CreditCode);
        }
        if (host is not null && host.Kind is not (OrganizationKind.Unspecified or OrganizationKind.VocationalCollege or OrganizationKind.University))
        {
            violations.Add("industrial_college.host_college.kind", "the host of an industrial college is a vocational college or a university.");
        }
        violations.Text("industrial_college.host_college.name", host?.Name, MaxNameLength);
        if (college.State != State.Unspecified)
        {
            violations.Add("industrial_college.state", "is output only; a new industrial college starts in planning.");
        }
        violations.ThrowIfAny();

        if (!caller.CanWrite || caller.OrganizationKind is not (OrganizationKind.VocationalCollege or OrganizationKind.University))
        {
            ApiErrors.PermissionDenied("Industrial colleges are created by an owner or editor of the host vocational college or university.");
        }
        var hostCode = string.IsNullOrEmpty(host!.CreditCode) ? caller.Organization : host.CreditCode;
        if (!caller.ActsFor(hostCode))
        {
            ApiErrors.PermissionDenied("A college creates industrial colleges hosted by its own organisation.");
        }

        var call = new WriteCall(nameof(CreateIndustrialCollege), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = new CollegeRow
            {
                Id = Guid.CreateVersion7(),
                DisplayName = college.DisplayName.Trim(),
                HostCode = hostCode,
                HostName = host.Name.Trim(),
                HostKind = (short)caller.OrganizationKind,
                IndustryChain = college.IndustryChain.Trim(),
                EnrolmentCapacity = college.AnnualEnrolmentCapacity,
                MajorCatalogueYear = college.MajorCatalogueYear,
                MajorCodes = college.Majors.Select(m => m.Code).ToArray(),
                State = (short)State.Planning,
            };
            var created = await WriteUniqueAsync(() => IndustrialCollegeStore.InsertAsync(connection, transaction, row), row.DisplayName);
            var name = CollegeNames.College(row.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(CreateIndustrialCollege), "", State.Planning.ToString());
            return created.ToProto(catalogue);
        }, [], context.CancellationToken);
    }

    public override async Task<IndustrialCollege> UpdateIndustrialCollege(UpdateIndustrialCollegeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.IndustrialCollege ?? new IndustrialCollege();
        var id = ParseCollegeName(patch.Name, "industrial_college.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, UpdatablePaths, violations);
        violations.ThrowIfAny();
        ValidateDetails(patch, violations, "industrial_college.", paths);
        violations.ThrowIfAny();

        var name = CollegeNames.College(id);
        var call = new WriteCall(nameof(UpdateIndustrialCollege), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await IndustrialCollegeStore.LockAsync(connection, transaction, id);
            if (row is null)
            {
                ApiErrors.NotFound(name);
            }
            // Content edits: the host's owners and editors, or an organisation the host granted editor rights on this college.
            await grants.EnsureCanEditAsync(context, caller, name, row.HostCode, await VisibleByRuleAsync(connection, transaction, caller, id, row),
                $"Only an owner or editor of the host college, or an organisation it granted editor rights, may update {name}.");
            ApiErrors.CheckEtag(patch.Etag, row.Etag, name);
            if (!CollegeLifecycle.IsEditable(row.CollegeState))
            {
                ApiErrors.InvalidState(name, nameof(UpdateIndustrialCollege), row.CollegeState.ToString());
            }
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "display_name": row.DisplayName = patch.DisplayName.Trim(); break;
                    case "industry_chain": row.IndustryChain = patch.IndustryChain.Trim(); break;
                    case "annual_enrolment_capacity": row.EnrolmentCapacity = patch.AnnualEnrolmentCapacity; break;
                    case "major_catalogue_year": row.MajorCatalogueYear = patch.MajorCatalogueYear; break;
                    case "majors": row.MajorCodes = patch.Majors.Select(m => m.Code).ToArray(); break;
                }
            }
            // A new catalogue year re-checks the kept codes, so the check runs on the merged row.
            var merged = new FieldViolations();
            ValidateMajors(row.MajorCatalogueYear, row.MajorCodes, merged, "industrial_college.majors");
            merged.ThrowIfAny();
            var updated = await WriteUniqueAsync(() => IndustrialCollegeStore.UpdateDetailsAsync(connection, transaction, row), row.DisplayName);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(UpdateIndustrialCollege),
                row.CollegeState.ToString(), row.CollegeState.ToString(), string.Join(",", paths));
            return updated.ToProto(catalogue);
        }, [CacheKey(id)], context.CancellationToken);
    }

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

    public override async Task<Partner> AddPartner(AddPartnerRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var partner = request.Partner ?? new Partner();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.CreditCode("partner.organization.credit_code", partner.Organization?.CreditCode);
        violations.Text("partner.organization.name", partner.Organization?.Name, MaxNameLength);
        if (partner.Organization?.Kind is not (null or OrganizationKind.Unspecified or OrganizationKind.Enterprise))
        {
            violations.Add("partner.organization.kind", "partners of an industrial college are enterprises.");
        }
        violations.DefinedEnum("partner.role", partner.Role);
        var joined = OptionalDate(partner.JoinedDate, "partner.joined_date", violations) ?? Dates.Today;
        violations.ThrowIfAny();

        var name = CollegeNames.College(id);
        var call = new WriteCall(nameof(AddPartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host college may change the partners of {name}.");
            }
            if (!CollegeLifecycle.IsEditable(row.CollegeState))
            {
                ApiErrors.InvalidState(name, nameof(AddPartner), row.CollegeState.ToString());
            }
            PartnerRow added;
            try
            {
                added = await IndustrialCollegeStore.InsertPartnerAsync(connection, transaction, new PartnerRow
                {
                    Id = Guid.CreateVersion7(),
                    CollegeId = id,
                    CreditCode = partner.Organization!.CreditCode,
                    OrgName = partner.Organization.Name.Trim(),
                    Role = (short)partner.Role,
                    JoinedDate = joined.ToDateTime(TimeOnly.MinValue),
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                ApiErrors.AlreadyExists($"{partner.Organization!.CreditCode} is already a current partner of {name}.");
                throw;
            }
            await IndustrialCollegeStore.AdjustPartnerCountAsync(connection, transaction, id, +1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, CollegeNames.Child(id, CollegeNames.Partners, added.Id), nameof(AddPartner),
                row.CollegeState.ToString(), row.CollegeState.ToString(), $"{added.CreditCode} as {(Partner.Types.Role)added.Role}");
            return added.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Partner> RemovePartner(RemovePartnerRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!CollegeNames.TryParseChild(request.Name, CollegeNames.Partners, out var id, out Guid partnerId))
        {
            violations.Add("name", "must look like industrialColleges/{college}/partners/{partner}.");
        }
        var left = OptionalDate(request.LeftDate, "left_date", violations) ?? Dates.Today;
        violations.ThrowIfAny();

        var name = CollegeNames.College(id);
        var call = new WriteCall(nameof(RemovePartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            var partner = await IndustrialCollegeStore.LockPartnerAsync(connection, transaction, id, partnerId);
            if (partner is null)
            {
                ApiErrors.NotFound(request.Name);
            }
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host college may change the partners of {name}.");
            }
            if (!CollegeLifecycle.IsEditable(row.CollegeState))
            {
                ApiErrors.InvalidState(name, nameof(RemovePartner), row.CollegeState.ToString());
            }
            if (partner.LeftDate is not null)
            {
                ApiErrors.FailedPrecondition("ALREADY_REMOVED", $"{request.Name} was already removed.");
            }
            if (left < DateOnly.FromDateTime(partner.JoinedDate))
            {
                ApiErrors.InvalidArgument("left_date", "must not be before the joined date.");
            }
            // The link ends; the courses, bases and mentors the partner contributed stay on record.
            var ended = await IndustrialCollegeStore.EndPartnershipAsync(connection, transaction, partnerId, left);
            await IndustrialCollegeStore.AdjustPartnerCountAsync(connection, transaction, id, -1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(RemovePartner),
                row.CollegeState.ToString(), row.CollegeState.ToString(), $"{partner.CreditCode} left on {left:yyyy-MM-dd}");
            return ended.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<ListPartnersResponse> ListPartners(ListPartnersRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent, request.ShowRemoved);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListPartnersAsync(id, request.ShowRemoved, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListPartnersResponse { NextPageToken = next };
        response.Partners.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

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

    public override async Task<Report> CreateReport(CreateReportRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var report = request.Report ?? new Report();
        var violations = new FieldViolations().RequestId(request.RequestId);
        var figures = Figures(report.Year, report);
        foreach (var (field, problem) in ReportRules.Check(figures, Dates.Today.Year))
        {
            violations.Add("report." + field, problem);
        }
        if (report.State != Report.Types.State.Unspecified)
        {
            violations.Add("report.state", "is output only; a new report is filed.");
        }
        violations.ThrowIfAny();

        var name = CollegeNames.College(id);
        var call = new WriteCall(nameof(CreateReport), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockForReportAsync(context, connection, transaction, caller, id, name, nameof(CreateReport));
            await CheckGraduatesAsync(connection, transaction, id, figures);
            var inserted = await IndustrialCollegeStore.InsertReportAsync(connection, transaction, new ReportRow
            {
                CollegeId = id, Year = figures.Year, Enrolment = figures.Enrolment, Graduates = figures.Graduates,
                GraduatesCohortYear = figures.GraduatesCohortYear, CoursesDelivered = figures.CoursesDelivered,
                CoDevelopedCoursesDelivered = figures.CoDevelopedCoursesDelivered, MentorHours = figures.MentorHours,
                TraineesHosted = figures.TraineesHosted, State = (short)Report.Types.State.Filed,
            });
            if (inserted is null)
            {
                ApiErrors.AlreadyExists($"{CollegeNames.Report(id, figures.Year)} already exists; update it instead.");
            }
            await AuditLog.WriteAsync(connection, transaction, caller, name, CollegeNames.Report(id, figures.Year), nameof(CreateReport),
                "", Report.Types.State.Filed.ToString());
            return inserted.ToProto(row.EnrolmentCapacity);
        }, [], context.CancellationToken);
    }

    public override async Task<Report> UpdateReport(UpdateReportRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Report ?? new Report();
        var violations = new FieldViolations();
        if (!CollegeNames.TryParseReport(patch.Name, out var id, out var year))
        {
            violations.Add("report.name", "must look like industrialColleges/{college}/reports/{year}.");
        }
        var paths = request.UpdateMask?.Paths.ToList() ?? [];
        if (paths.Count == 0)
        {
            violations.Add("update_mask", $"name the fields to update: {string.Join(", ", ReportPaths)}.");
        }
        foreach (var path in paths.Where(p => !ReportPaths.Contains(p)))
        {
            violations.Add("update_mask", $"'{path}' cannot be updated; updatable: {string.Join(", ", ReportPaths)}.");
        }
        violations.ThrowIfAny();

        var name = CollegeNames.College(id);
        var reportName = CollegeNames.Report(id, year);
        var call = new WriteCall(nameof(UpdateReport), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockForReportAsync(context, connection, transaction, caller, id, name, nameof(UpdateReport));
            var report = await IndustrialCollegeStore.LockReportAsync(connection, transaction, id, year);
            if (report is null)
            {
                ApiErrors.NotFound(reportName);
            }
            ApiErrors.CheckEtag(patch.Etag, report.Etag, reportName);
            if (report.ReportState != Report.Types.State.Filed)
            {
                ApiErrors.InvalidState(reportName, nameof(UpdateReport), report.ReportState.ToString());
            }
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "enrolment": report.Enrolment = patch.Enrolment; break;
                    case "graduates": report.Graduates = patch.Graduates; break;
                    case "graduates_cohort_year": report.GraduatesCohortYear = patch.GraduatesCohortYear; break;
                    case "courses_delivered": report.CoursesDelivered = patch.CoursesDelivered; break;
                    case "co_developed_courses_delivered": report.CoDevelopedCoursesDelivered = patch.CoDevelopedCoursesDelivered; break;
                    case "mentor_hours": report.MentorHours = patch.MentorHours; break;
                    case "trainees_hosted": report.TraineesHosted = patch.TraineesHosted; break;
                }
            }
            var merged = new FieldViolations();
            foreach (var (field, problem) in ReportRules.Check(report.Figures, Dates.Today.Year))
            {
                merged.Add("report." + field, problem);
            }
            merged.ThrowIfAny();
            await CheckGraduatesAsync(connection, transaction, id, report.Figures);
            var updated = await IndustrialCollegeStore.UpdateReportAsync(connection, transaction, report);
            await AuditLog.WriteAsync(connection, transaction, caller, name, reportName, nameof(UpdateReport),
                report.ReportState.ToString(), report.ReportState.ToString(), string.Join(",", paths));
            return updated.ToProto(row.EnrolmentCapacity);
        }, [], context.CancellationToken);
    }

    public override async Task<Report> AcceptReport(AcceptReportRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!CollegeNames.TryParseReport(request.Name, out var id, out var year))
        {
            violations.Add("name", "must look like industrialColleges/{college}/reports/{year}.");
        }
        violations.ThrowIfAny();

        var name = CollegeNames.College(id);
        var reportName = CollegeNames.Report(id, year);
        var call = new WriteCall(nameof(AcceptReport), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            var report = await IndustrialCollegeStore.LockReportAsync(connection, transaction, id, year);
            if (report is null)
            {
                ApiErrors.NotFound(reportName);
            }
            if (!caller.IsAdmin)
            {
                ApiErrors.PermissionDenied("Only the city's admins accept annual reports.");
            }
            ApiErrors.CheckEtag(request.Etag, report.Etag, reportName);
            if (report.ReportState != Report.Types.State.Filed)
            {
                ApiErrors.InvalidState(reportName, nameof(AcceptReport), report.ReportState.ToString());
            }
            var accepted = await IndustrialCollegeStore.SetReportStateAsync(connection, transaction, id, year, (short)Report.Types.State.Accepted);
            await AuditLog.WriteAsync(connection, transaction, caller, name, reportName, nameof(AcceptReport),
                Report.Types.State.Filed.ToString(), Report.Types.State.Accepted.ToString());
            return accepted.ToProto(row.EnrolmentCapacity);
        }, [], context.CancellationToken);
    }

    public override async Task<Report> GetReport(GetReportRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        if (!CollegeNames.TryParseReport(request.Name, out var id, out var year))
        {
            ApiErrors.InvalidArgument("name", "must look like industrialColleges/{college}/reports/{year}.");
        }
        var college = await RequireReadableAsync(context, caller, id, request.Name);
        var report = await store.FindReportAsync(id, year, context.CancellationToken);
        if (report is null)
        {
            ApiErrors.NotFound(request.Name);
        }
        return report.ToProto(college.AnnualEnrolmentCapacity);
    }

    public override async Task<ListReportsResponse> ListReports(ListReportsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent, "reports");
        var afterText = Page.After(request.PageToken, fingerprint, violations);
        var afterYear = 0;
        if (afterText is not null && !int.TryParse(afterText, CultureInfo.InvariantCulture, out afterYear))
        {
            violations.Add("page_token", "is not a page token this service issued.");
        }
        violations.ThrowIfAny();
        var college = await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListReportsAsync(id, afterYear, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Year.ToString(CultureInfo.InvariantCulture), fingerprint);
        return new ListReportsResponse { NextPageToken = next, Reports = { items.Select(r => r.ToProto(college.AnnualEnrolmentCapacity)) } };
    }

    public override async Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseCollegeName(request.Parent, "parent");
        var (entries, next) = await AuditLog.PageAsync(store.DataSource, request.Parent, request.PageSize, request.PageToken, async () =>
        {
            var college = await RequireReadableAsync(context, caller, id, request.Parent);
            if (!caller.IsAdmin && !caller.ActsFor(college.HostCollege.CreditCode))
            {
                ApiErrors.PermissionDenied("The audit trail is for the host college and the city's admins.");
            }
        }, context.CancellationToken);
        return new ListAuditEntriesResponse { NextPageToken = next, AuditEntries = { entries } };
    }

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

    /// <summary>The host's owner or editor files and edits reports while the college is approved or running.</summary>
    private async Task<CollegeRow> LockForReportAsync(ServerCallContext context, NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, Guid id, string name, string method)
    {
        var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
        if (!caller.CanEditFor(row.HostCode))
        {
            ApiErrors.PermissionDenied($"Only an owner or editor of the host college files and edits the reports of {name}.");
        }
        if (row.CollegeState is not (State.Approved or State.Operating or State.UnderReview))
        {
            ApiErrors.InvalidState(name, method, row.CollegeState.ToString());
        }
        return row;
    }

    private static async Task CheckGraduatesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, ReportFigures figures)
    {
        var cohortEnrolment = figures.CohortYear == figures.Year
            ? figures.Enrolment
            : await IndustrialCollegeStore.EnrolmentAsync(connection, transaction, id, figures.CohortYear);
        if (ReportRules.CheckGraduates(figures.Graduates, figures.CohortYear, cohortEnrolment) is { } problem)
        {
            ApiErrors.InvalidArgument("report.graduates", problem);
        }
    }

    private static ReportFigures Figures(int year, Report report) => new(year, report.Enrolment, report.Graduates, report.GraduatesCohortYear,
        report.CoursesDelivered, report.CoDevelopedCoursesDelivered, report.MentorHours, report.TraineesHosted);

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
        var partner = !CollegeAccess.DecidedWithoutPartnership(caller, host, college.State)
            && await store.IsCurrentPartnerAsync(id, caller.Organization, context.CancellationToken);
        if (!await grants.CanReadAsync(context, caller, CollegeNames.College(id), host, CollegeAccess.CanRead(caller, host, college.State, partner)))
        {
            ApiErrors.NotFound(name);
        }
        return college;
    }

    private static async Task<bool> VisibleByRuleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid id,
        CollegeRow row)
    {
        var partner = !CollegeAccess.DecidedWithoutPartnership(caller, row.HostCode, row.CollegeState)
            && await IndustrialCollegeStore.IsCurrentPartnerAsync(connection, transaction, id, caller.Organization);
        return CollegeAccess.CanRead(caller, row.HostCode, row.CollegeState, partner);
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

    private static async Task<CollegeRow> WriteUniqueAsync(Func<Task<CollegeRow>> write, string displayName)
    {
        try
        {
            return await write();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "industrial_colleges_live_name")
        {
            ApiErrors.AlreadyExists($"An industrial college named '{displayName}' already exists.");
            throw;
        }
    }

    private void ValidateDetails(IndustrialCollege college, FieldViolations violations, string prefix, IReadOnlyCollection<string>? only = null)
    {
        bool Checks(string path) => only is null || only.Contains(path);
        if (Checks("display_name"))
        {
            violations.Text(prefix + "display_name", college.DisplayName, MaxNameLength);
        }
        if (Checks("industry_chain"))
        {
            violations.Text(prefix + "industry_chain", college.IndustryChain, MaxChainLength);
        }
        if (Checks("annual_enrolment_capacity"))
        {
            violations.Range(prefix + "annual_enrolment_capacity", college.AnnualEnrolmentCapacity, 1, MaxCapacity);
        }
        if (Checks("major_catalogue_year"))
        {
            violations.Range(prefix + "major_catalogue_year", college.MajorCatalogueYear, catalogue.FirstYear, Dates.Today.Year + 1);
        }
        if (Checks("majors") && college.Majors.Count > MaxMajors)
        {
            violations.Add(prefix + "majors", $"must list at most {MaxMajors} majors.");
        }
    }

    /// <summary>Each code must be in the catalogue in force in the college's catalogue year, once.</summary>
    private void ValidateMajors(int year, IReadOnlyList<string> codes, FieldViolations violations, string field)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < codes.Count; i++)
        {
            if (!seen.Add(codes[i]))
            {
                violations.Add($"{field}[{i}].code", $"'{codes[i]}' is listed twice.");
            }
            else if (catalogue.Check(year, codes[i]) is { } problem)
            {
                violations.Add($"{field}[{i}].code", problem);
            }
        }
    }

    private static void ValidateEnterprise(string code, string field, FieldViolations violations)
    {
        if (code.Length > 0)
        {
            violations.CreditCode(field, code);
        }
    }

    private static DateOnly? OptionalDate(Google.Type.Date? date, string field, FieldViolations violations)
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
