using System.Globalization;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Data;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.Apprenticeships.Data;

public sealed class CohortRow
{
    public Guid Id { get; init; }
    public short Kind { get; set; }
    public string DisplayName { get; set; } = "";
    public string CollegeCode { get; init; } = "";
    public string CollegeName { get; init; } = "";
    public short CollegeKind { get; init; }
    public string IndustrialCollegeName { get; set; } = "";
    public string MajorCode { get; set; } = "";
    public string MajorVersion { get; set; } = "";
    public string OccupationCode { get; set; } = "";
    public string OccupationVersion { get; set; } = "";
    public string IndustryChain { get; set; } = "";
    public int Seats { get; set; }
    public int PlacementCommitment { get; set; }
    public DateTime StartDate { get; set; }
    public DateTime EndDate { get; set; }
    public short State { get; set; }
    public string StateReason { get; set; } = "";
    public long EnrolledCount { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    /// <summary>Filled after the read; not a column.</summary>
    public List<SponsorRow> Sponsors { get; set; } = [];

    public Cohort.Types.State CohortState => (Cohort.Types.State)State;
    public string Etag => Version.ToString(CultureInfo.InvariantCulture);
    public IEnumerable<string> AllSponsorCodes => Sponsors.Select(s => s.CreditCode);
    public IEnumerable<string> CurrentSponsorCodes => Sponsors.Where(s => s.IsCurrent).Select(s => s.CreditCode);
    public IEnumerable<string> PendingSponsorCodes => Sponsors.Where(s => s.LeftDate is null && s.Pending).Select(s => s.CreditCode);

    public Cohort ToProto()
    {
        var cohort = new Cohort
        {
            Name = CohortNames.Cohort(Id),
            Kind = (Cohort.Types.Kind)Kind,
            DisplayName = DisplayName,
            College = new Organization { CreditCode = CollegeCode, Name = CollegeName, Kind = (OrganizationKind)CollegeKind },
            IndustrialCollegeName = IndustrialCollegeName,
            MajorCode = MajorCode,
            MajorCatalogueVersion = MajorVersion,
            OccupationCode = OccupationCode,
            OccupationCatalogueVersion = OccupationVersion,
            IndustryChain = IndustryChain,
            Seats = Seats,
            PlacementCommitment = PlacementCommitment,
            StartDate = DateOnly.FromDateTime(StartDate).ToProto(),
            EndDate = DateOnly.FromDateTime(EndDate).ToProto(),
            State = CohortState,
            StateReason = StateReason,
            EnrolledCount = (int)EnrolledCount,
            CreateTime = Times.Utc(CreateTime),
            UpdateTime = Times.Utc(UpdateTime),
            Etag = Etag,
        };
        cohort.Sponsors.AddRange(Sponsors.Select(s => s.ToProto()));
        return cohort;
    }
}

public sealed class SponsorRow
{
    public Guid CohortId { get; init; }
    public string CreditCode { get; init; } = "";
    public string OrgName { get; init; } = "";
    public DateTime JoinedDate { get; init; }
    public DateTime? LeftDate { get; init; }
    /// <summary>Added after approval and not yet accepted by the enterprise: it sees the cohort but does not act on it.</summary>
    public bool Pending { get; init; }

    public bool IsCurrent => LeftDate is null && !Pending;

    public Sponsor ToProto() => new()
    {
        State = LeftDate is not null ? Sponsor.Types.State.Ended : Pending ? Sponsor.Types.State.Pending : Sponsor.Types.State.Current,
        Organization = new Organization { CreditCode = CreditCode, Name = OrgName, Kind = OrganizationKind.Enterprise },
        JoinedDate = DateOnly.FromDateTime(JoinedDate).ToProto(),
        LeftDate = LeftDate is { } left ? DateOnly.FromDateTime(left).ToProto() : null,
    };
}

public sealed class EnrolmentRow
{
    public Guid Id { get; init; }
    public Guid CohortId { get; init; }
    public string CollegeCode { get; init; } = "";
    public string StudentNumber { get; init; } = "";
    public string DisplayName { get; set; } = "";
    public byte[] IdentityHash { get; init; } = [];
    public string IdentityLast4 { get; init; } = "";
    public short State { get; set; }
    public string CollegeMentor { get; set; } = "";
    public string EnterpriseMentor { get; set; } = "";
    public string SponsorCode { get; set; } = "";
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public Enrolment.Types.State EnrolmentState => (Enrolment.Types.State)State;
    public string Etag => Version.ToString(CultureInfo.InvariantCulture);

    /// <summary>The identity number is never part of the resource: only its masked form.</summary>
    public Enrolment ToProto() => new()
    {
        Name = CohortNames.Enrolment(CohortId, Id),
        StudentNumber = StudentNumber,
        DisplayName = DisplayName,
        MaskedIdentityNumber = IdentityNumber.Mask(IdentityLast4),
        State = EnrolmentState,
        CollegeMentor = CollegeMentor,
        EnterpriseMentor = EnterpriseMentor,
        SponsorCreditCode = SponsorCode,
        CreateTime = Times.Utc(CreateTime),
        UpdateTime = Times.Utc(UpdateTime),
        Etag = Etag,
    };
}

public sealed class PlacementRow
{
    public Guid EnrolmentId { get; init; }
    public Guid CohortId { get; init; }
    public short State { get; init; }
    public string EmployerCode { get; init; } = "";
    public string EmployerName { get; init; } = "";
    public short EmployerKind { get; init; }
    public bool InCity { get; init; }
    public short InCityBasis { get; init; }
    public short InCityOverrideReason { get; init; }
    public string InCityOverrideNote { get; init; } = "";
    public DateTime? StartDate { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public Placement.Types.State PlacementState => (Placement.Types.State)State;
    public string Etag => Version.ToString(CultureInfo.InvariantCulture);

    public Placement ToProto(IEnumerable<string> sponsorCodes, IEnumerable<RetentionRow> checks)
    {
        var placement = new Placement
        {
            Name = CohortNames.Placement(CohortId, EnrolmentId),
            State = PlacementState,
            Employer = new Organization { CreditCode = EmployerCode, Name = EmployerName, Kind = (OrganizationKind)EmployerKind },
            InCity = InCity,
            InCityBasis = (InCityBasis)InCityBasis,
            InCityOverride = InCityBasis == (short)V1.InCityBasis.Override
                ? new InCityOverride { Reason = (InCityOverride.Types.Reason)InCityOverrideReason, Note = InCityOverrideNote }
                : null,
            StartDate = StartDate is { } start ? DateOnly.FromDateTime(start).ToProto() : null,
            EmployerIsSponsor = sponsorCodes.Contains(EmployerCode),
            CreateTime = Times.Utc(CreateTime),
            UpdateTime = Times.Utc(UpdateTime),
            Etag = Etag,
        };
        placement.RetentionChecks.AddRange(checks.OrderBy(c => c.Month).Select(c => c.ToProto()));
        return placement;
    }
}

public sealed class RetentionRow
{
    public Guid EnrolmentId { get; init; }
    public int Month { get; init; }
    public bool StillEmployed { get; init; }
    public bool SameEmployer { get; init; }
    public DateTime RecordTime { get; init; }

    public RetentionCheck ToProto() => new()
    {
        Month = Month, StillEmployed = StillEmployed, SameEmployer = SameEmployer, RecordTime = Times.Utc(RecordTime),
    };
}

public sealed class SponsorChangeRow
{
    public Guid Id { get; init; }
    public Guid CohortId { get; init; }
    public Guid EnrolmentId { get; init; }
    public string FromCode { get; init; } = "";
    public string ToCode { get; init; } = "";
    public string Reason { get; init; } = "";
    public short State { get; init; }
    public DateTime CreateTime { get; init; }
    public DateTime UpdateTime { get; init; }
    public long Version { get; init; }

    public SponsorChange.Types.State ChangeState => (SponsorChange.Types.State)State;
    public string Etag => Version.ToString(CultureInfo.InvariantCulture);

    public SponsorChange ToProto() => new()
    {
        Name = CohortNames.SponsorChange(CohortId, EnrolmentId, Id),
        FromSponsorCreditCode = FromCode,
        ToSponsorCreditCode = ToCode,
        Reason = Reason,
        State = ChangeState,
        CreateTime = Times.Utc(CreateTime),
        UpdateTime = Times.Utc(UpdateTime),
        Etag = Etag,
    };
}

internal static class Times
{
    public static Timestamp Utc(DateTime time) => Timestamp.FromDateTime(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

/// <summary>
/// Resource names: "cohorts/{cohort}", "…/enrolments/{enrolment}", "…/enrolments/{enrolment}/placement"
/// and "…/enrolments/{enrolment}/sponsorChanges/{sponsor_change}".
/// </summary>
public static class CohortNames
{
    public const string CollectionId = "cohorts";
    private const string Collection = CollectionId + "/";
    private const string Enrolments = "/enrolments/";
    private const string PlacementSuffix = "/placement";
    private const string SponsorChanges = "/sponsorChanges/";

    public static string Cohort(Guid id) => Collection + id.ToString("D");
    public static string Enrolment(Guid cohortId, Guid id) => Cohort(cohortId) + Enrolments + id.ToString("D");
    public static string Placement(Guid cohortId, Guid enrolmentId) => Enrolment(cohortId, enrolmentId) + PlacementSuffix;
    public static string SponsorChange(Guid cohortId, Guid enrolmentId, Guid id) => Enrolment(cohortId, enrolmentId) + SponsorChanges + id.ToString("D");

    public static bool TryParseCohort(string? name, out Guid id)
    {
        id = Guid.Empty;
        return name is not null && name.StartsWith(Collection, StringComparison.Ordinal)
            && Guid.TryParseExact(name.AsSpan(Collection.Length), "D", out id);
    }

    public static bool TryParseEnrolment(string? name, out Guid cohortId, out Guid enrolmentId)
    {
        cohortId = enrolmentId = Guid.Empty;
        var parts = name?.Split('/');
        return parts is ["cohorts", var c, "enrolments", var e]
            && Guid.TryParseExact(c, "D", out cohortId) && Guid.TryParseExact(e, "D", out enrolmentId);
    }

    public static bool TryParsePlacement(string? name, out Guid cohortId, out Guid enrolmentId)
    {
        cohortId = enrolmentId = Guid.Empty;
        var parts = name?.Split('/');
        return parts is ["cohorts", var c, "enrolments", var e, "placement"]
            && Guid.TryParseExact(c, "D", out cohortId) && Guid.TryParseExact(e, "D", out enrolmentId);
    }

    public static bool TryParseSponsorChange(string? name, out Guid cohortId, out Guid enrolmentId, out Guid id)
    {
        cohortId = enrolmentId = id = Guid.Empty;
        var parts = name?.Split('/');
        return parts is ["cohorts", var c, "enrolments", var e, "sponsorChanges", var s]
            && Guid.TryParseExact(c, "D", out cohortId) && Guid.TryParseExact(e, "D", out enrolmentId) && Guid.TryParseExact(s, "D", out id);
    }
}
