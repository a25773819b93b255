using System.Globalization;
using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Data;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.IndustrialColleges.Data;

public sealed class CollegeRow
{
    public Guid Id { get; init; }
    public string DisplayName { get; set; } = "";
    public string HostCode { get; init; } = "";
    public string HostName { get; init; } = "";
    public short HostKind { get; init; }
    public string IndustryChain { get; set; } = "";
    public int EnrolmentCapacity { get; set; }
    public int MajorCatalogueYear { get; set; }
    public string[] MajorCodes { get; set; } = [];
    public short State { get; init; }
    public string StateReason { get; init; } = "";
    public int PartnerCount { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public IndustrialCollege.Types.State CollegeState => (IndustrialCollege.Types.State)State;

    public string Etag => Version.ToString(CultureInfo.InvariantCulture);

    public IndustrialCollege ToProto(MajorCatalogue catalogue) => new()
    {
        Name = CollegeNames.College(Id),
        DisplayName = DisplayName,
        HostCollege = new Organization { CreditCode = HostCode, Name = HostName, Kind = (OrganizationKind)HostKind },
        IndustryChain = IndustryChain,
        AnnualEnrolmentCapacity = EnrolmentCapacity,
        MajorCatalogueYear = MajorCatalogueYear,
        Majors = { MajorCodes.Select(c => new Major { Code = c, Title = catalogue.Title(MajorCatalogueYear, c) ?? "" }) },
        State = CollegeState,
        StateReason = StateReason,
        PartnerCount = PartnerCount,
        CreateTime = Times.ToProto(CreateTime),
        UpdateTime = Times.ToProto(UpdateTime),
        Etag = Etag,
    };
}

public sealed class PartnerRow
{
    public Guid Id { get; init; }
    public Guid CollegeId { get; init; }
    public string CreditCode { get; init; } = "";
    public string OrgName { get; init; } = "";
    public short OrgKind { get; init; }
    public short Role { get; init; }
    public short State { get; init; }
    public DateTime? JoinedDate { get; init; }
    public DateTime? LeftDate { get; init; }
    public DateTime? AnswerTime { get; init; }
    public string DeclineReason { get; init; } = "";
    public DateTime CreateTime { get; init; }

    public LinkState LinkState => (LinkState)State;

    public Partner ToProto() => new()
    {
        Name = CollegeNames.Child(CollegeId, CollegeNames.Partners, Id),
        Organization = new Organization { CreditCode = CreditCode, Name = OrgName, Kind = (OrganizationKind)OrgKind },
        Role = (Partner.Types.Role)Role,
        State = LinkState,
        JoinedDate = JoinedDate is { } joined ? DateOnly.FromDateTime(joined).ToProto() : null,
        LeftDate = LeftDate is { } left ? DateOnly.FromDateTime(left).ToProto() : null,
        AnswerTime = AnswerTime is { } answered ? Times.ToProto(answered) : null,
        DeclineReason = DeclineReason,
        CreateTime = Times.ToProto(CreateTime),
    };
}

public sealed class CourseRow
{
    public Guid Id { get; init; }
    public Guid CollegeId { get; init; }
    public string Title { get; set; } = "";
    public int Hours { get; set; }
    public string EnterpriseCode { get; init; } = "";
    public string[] MajorCodes { get; set; } = [];
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public string Etag => Version.ToString(CultureInfo.InvariantCulture);

    public Course ToProto() => new()
    {
        Name = CollegeNames.Child(CollegeId, CollegeNames.Courses, Id),
        Title = Title,
        Hours = Hours,
        EnterpriseCreditCode = EnterpriseCode,
        MajorCodes = { MajorCodes },
        CreateTime = Times.ToProto(CreateTime),
        UpdateTime = Times.ToProto(UpdateTime),
        Etag = Etag,
    };
}

public sealed class TrainingBaseRow
{
    public Guid Id { get; init; }
    public Guid CollegeId { get; init; }
    public string DisplayName { get; set; } = "";
    public string EnterpriseCode { get; init; } = "";
    public string Address { get; set; } = "";
    public int Capacity { get; set; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public string Etag => Version.ToString(CultureInfo.InvariantCulture);

    public TrainingBase ToProto() => new()
    {
        Name = CollegeNames.Child(CollegeId, CollegeNames.TrainingBases, Id),
        DisplayName = DisplayName,
        EnterpriseCreditCode = EnterpriseCode,
        Address = Address,
        Capacity = Capacity,
        CreateTime = Times.ToProto(CreateTime),
        UpdateTime = Times.ToProto(UpdateTime),
        Etag = Etag,
    };
}

public sealed class MentorRow
{
    public Guid Id { get; init; }
    public Guid CollegeId { get; init; }
    public string DisplayName { get; set; } = "";
    public string EnterpriseCode { get; init; } = "";
    public string Specialty { get; set; } = "";
    public string Title { get; set; } = "";
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public string Etag => Version.ToString(CultureInfo.InvariantCulture);

    public Mentor ToProto() => new()
    {
        Name = CollegeNames.Child(CollegeId, CollegeNames.Mentors, Id),
        DisplayName = DisplayName,
        EnterpriseCreditCode = EnterpriseCode,
        Specialty = Specialty,
        Title = Title,
        CreateTime = Times.ToProto(CreateTime),
        UpdateTime = Times.ToProto(UpdateTime),
        Etag = Etag,
    };
}

public sealed class ReportRow
{
    public Guid CollegeId { get; init; }
    public int Year { get; init; }
    public int Enrolment { get; set; }
    public int Graduates { get; set; }
    public int GraduatesCohortYear { get; set; }
    public int CoursesDelivered { get; set; }
    public int CoDevelopedCoursesDelivered { get; set; }
    public int MentorHours { get; set; }
    public int TraineesHosted { get; set; }
    public short State { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public Report.Types.State ReportState => (Report.Types.State)State;

    public string Etag => Version.ToString(CultureInfo.InvariantCulture);

    public ReportFigures Figures => new(Year, Enrolment, Graduates, GraduatesCohortYear, CoursesDelivered,
        CoDevelopedCoursesDelivered, MentorHours, TraineesHosted);

    public Report ToProto(int capacity) => new()
    {
        Name = CollegeNames.Report(CollegeId, Year),
        Year = Year,
        Enrolment = Enrolment,
        Graduates = Graduates,
        GraduatesCohortYear = GraduatesCohortYear,
        CoursesDelivered = CoursesDelivered,
        CoDevelopedCoursesDelivered = CoDevelopedCoursesDelivered,
        MentorHours = MentorHours,
        TraineesHosted = TraineesHosted,
        State = ReportState,
        Indicators = ReportRules.Indicators(Figures, capacity),
        CreateTime = Times.ToProto(CreateTime),
        UpdateTime = Times.ToProto(UpdateTime),
        Etag = Etag,
    };
}

internal static class Times
{
    public static Timestamp ToProto(DateTime time) => Timestamp.FromDateTime(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

/// <summary>
/// Resource names: "industrialColleges/{college}" and its children
/// "industrialColleges/{college}/{partners|courses|trainingBases|mentors}/{id}", "…/reports/{year}".
/// </summary>
public static class CollegeNames
{
    public const string Partners = "partners";
    public const string Courses = "courses";
    public const string TrainingBases = "trainingBases";
    public const string Mentors = "mentors";
    public const string Reports = "reports";
    public const string CollectionId = "industrialColleges";
    private const string Collection = CollectionId + "/";

    public static string College(Guid id) => Collection + id.ToString("D");

    public static string Child(Guid collegeId, string collection, Guid id) => $"{College(collegeId)}/{collection}/{id:D}";

    public static string Report(Guid collegeId, int year) =>
        $"{College(collegeId)}/{Reports}/{year.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParseCollege(string? name, out Guid id)
    {
        id = Guid.Empty;
        return name is not null && name.StartsWith(Collection, StringComparison.Ordinal)
            && Guid.TryParseExact(name.AsSpan(Collection.Length), "D", out id);
    }

    /// <summary>Splits "industrialColleges/{college}/{collection}/{key}" for the given collection.</summary>
    public static bool TryParseChild(string? name, string collection, out Guid collegeId, out string key)
    {
        collegeId = Guid.Empty;
        key = "";
        var parts = name?.Split('/') ?? [];
        if (parts.Length != 4 || parts[0] + "/" != Collection || parts[2] != collection || parts[3].Length == 0
            || !Guid.TryParseExact(parts[1], "D", out collegeId))
        {
            return false;
        }
        key = parts[3];
        return true;
    }

    public static bool TryParseChild(string? name, string collection, out Guid collegeId, out Guid id)
    {
        id = Guid.Empty;
        return TryParseChild(name, collection, out collegeId, out string key) && Guid.TryParseExact(key, "D", out id);
    }

    public static bool TryParseReport(string? name, out Guid collegeId, out int year)
    {
        year = 0;
        return TryParseChild(name, Reports, out collegeId, out string key)
            && int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out year);
    }
}
