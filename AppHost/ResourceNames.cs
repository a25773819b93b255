namespace Collaboration.AppHost;

/// <summary>
/// Every resource name in one place. They double as connection-string names
/// (<c>ConnectionStrings__alliancesdb</c>) and service-discovery names (<c>http://_grpc.alliances</c>).
/// </summary>
public static class ResourceNames
{
    public const string Postgres = "postgres";
    public const string PostgresPassword = "postgres-password";
    public const string Cache = "cache";
    public const string CacheServer = "cache-server";

    public const string IdentityDb = "identitydb";
    public const string Identity = "identity";
    public const string SeedsClientSecret = "seeds-client-secret";
    public const string OrganizationClientSecret = "identity-org-client-secret";
    public const string AdminPassword = "identity-admin-password";
    public const string DemoPassword = "identity-demo-password";

    public const string AlliancesDb = "alliancesdb";
    public const string Alliances = "alliances";
    public const string LabsDb = "labsdb";
    public const string Labs = "labs";
    public const string CollegesDb = "collegesdb";
    public const string IndustrialColleges = "industrial-colleges";
    public const string ApprenticeshipsDb = "apprenticeshipsdb";
    public const string ApprenticeshipClasses = "apprenticeship-classes";
    public const string LearnerIdentityKey = "learner-identity-key";
    public const string TalentDb = "talentdb";
    public const string Talent = "talent";

    public const string Gateway = "gateway";
    public const string Portal = "portal";
    public const string PortalClientSecret = "portal-client-secret";
    public const string Seeds = "seeds";
}

/// <summary>Endpoint names every Collaboration web process has: gRPC over h2c, and HTTP/1.1 for health and JSON.</summary>
public static class EndpointNames
{
    public const string Grpc = "grpc";
    public const string Http = "http";
}
