namespace Collaboration.Gateway;

/// <summary>
/// A service behind the gateway. Every gRPC service of <paramref name="GrpcPackagePrefix"/> and every
/// JSON path under <paramref name="JsonPathPrefix"/> is routed to <paramref name="Service"/>, found by
/// service discovery (its <c>grpc</c> and <c>http</c> endpoints).
/// </summary>
/// <param name="BulkMethods">
/// gRPC methods (<c>package.Service/Method</c>) that stream or carry bulk bodies: they get the long
/// activity timeout and the bulk body limit.
/// </param>
/// <param name="BulkJsonPaths">HTTP route templates (e.g. a CSV upload) that get the bulk body limit.</param>
/// <param name="MoreJsonPathPrefixes">Further JSON path prefixes the service owns outside its own collection.</param>
public sealed record Backend(string Service, string GrpcPackagePrefix, string JsonPathPrefix, IReadOnlyList<string>? BulkMethods = null,
    IReadOnlyList<string>? BulkJsonPaths = null, IReadOnlyList<string>? MoreJsonPathPrefixes = null);

public static class Backends
{
    /// <summary>The one list the gateway's routes are generated from.</summary>
    public static readonly IReadOnlyList<Backend> All =
    [
        new("alliances", "collaboration.alliances.v1.", "/v1/alliances"),
        new("labs", "collaboration.labs.v1.", "/v1/labs", MoreJsonPathPrefixes: ["/v1/organizations/{organization}/posts"]),
        new("industrial-colleges", "collaboration.colleges.v1.", "/v1/industrialColleges"),
        new("apprenticeship-classes", "collaboration.apprenticeships.v1.", "/v1/cohorts",
            BulkMethods: ["collaboration.apprenticeships.v1.CohortService/ImportEnrolments"],
            BulkJsonPaths: ["/v1/cohorts/{cohort}:importEnrolments"]),
    ];
}
