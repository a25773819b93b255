// Annual reports (industrialColleges/{college}/reports/{year}): the host files, the city accepts.
//
// RPC          | SQL: Data/IndustrialCollegeStore.cs                  | rule: Model/
// CreateReport | EnrolmentAsync, InsertReportAsync                    | ReportRules.Check, .CheckGraduates
// UpdateReport | LockReportAsync, EnrolmentAsync, UpdateReportAsync   | ReportRules.Check, .CheckGraduates
// AcceptReport | LockReportAsync, SetReportStateAsync                 | admins only; submitted → accepted
// GetReport    | FindReportAsync                                      | CollegeAccess.CanRead (of the college)
// ListReports  | ListReportsAsync                                     | CollegeAccess.CanRead (of the college)

using System.Globalization;
using Collaboration.Colleges.V1;
using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Grpc.Core;
using Npgsql;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Grpc;

public sealed partial class IndustrialCollegesGrpcService
{
    private static readonly HashSet<string> ReportPaths =
    [
        "enrolment", "graduates", "graduates_cohort_year", "courses_delivered", "co_developed_courses_delivered",
        "mentor_hours", "trainees_hosted",
    ];

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
}
