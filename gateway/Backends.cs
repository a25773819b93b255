using System.Reflection;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Collaboration.Gateway;

/// <summary>
/// A service behind the gateway: every gRPC service of the contract package <paramref name="Package"/>, and every
/// HTTP rule of their methods, is routed to <paramref name="Service"/>, found by service discovery (its <c>grpc</c>
/// and <c>http</c> endpoints).
/// </summary>
/// <param name="BulkMethods">
/// gRPC methods (<c>package.Service/Method</c>) that stream or carry bulk bodies: they get the long
/// activity timeout and the bulk body limit.
/// </param>
/// <param name="BulkJsonPaths">HTTP route templates outside the contracts (e.g. a CSV upload) that get the bulk body limit.</param>
/// <param name="AnonymousMethods">
/// gRPC methods (<c>package.Service/Method</c>) the service answers without a token (public reads, e.g. the published
/// talent catalogue): their gRPC route and their HTTP rules need no token at the edge either (still rate limited, by address).
/// </param>
public sealed record Backend(string Service, string Package, IReadOnlyList<string>? BulkMethods = null,
    IReadOnlyList<string>? BulkJsonPaths = null, IReadOnlyList<string>? AnonymousMethods = null)
{
    /// <summary>The gRPC services of <see cref="Package"/>, as the contracts declare them.</summary>
    public IReadOnlyList<ServiceDescriptor> GrpcServices { get; } = Contracts.Services(Package);
}

public static class Backends
{
    /// <summary>The one list the gateway's routes are generated from.</summary>
    public static readonly IReadOnlyList<Backend> All =
    [
        new("alliances", "collaboration.alliances.v1"),
        new("labs", "collaboration.labs.v1"),
        new("industrial-colleges", "collaboration.colleges.v1"),
        new("apprenticeship-classes", "collaboration.apprenticeships.v1",
            BulkMethods: ["collaboration.apprenticeships.v1.CohortService/ImportEnrolments"],
            BulkJsonPaths: ["/v1/cohorts/{cohort}:importEnrolments"]),
        new("talent", "collaboration.talent.v1",
            AnonymousMethods:
            [
                "collaboration.talent.v1.CatalogueService/GetCatalogueEdition",
                "collaboration.talent.v1.CatalogueService/ListCatalogueEditions",
                "collaboration.talent.v1.CatalogueService/GetCatalogueEntry",
                "collaboration.talent.v1.CatalogueService/ListCatalogueEntries",
                "collaboration.talent.v1.CatalogueService/CompareCatalogueEditions",
            ]),
    ];
}

/// <summary>The compiled contracts (services/Contracts): every .proto file's descriptor.</summary>
public static class Contracts
{
    public static IReadOnlyList<FileDescriptor> Files { get; } = [.. typeof(Collaboration.Alliances.V1.AllianceService).Assembly.GetTypes()
        .Select(type => type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static))
        .Where(property => property?.PropertyType == typeof(FileDescriptor))
        .Select(property => (FileDescriptor)property!.GetValue(null)!)];

    public static IReadOnlyList<ServiceDescriptor> Services(string package)
    {
        IReadOnlyList<ServiceDescriptor> services = [.. Files.Where(f => f.Package == package).SelectMany(f => f.Services)];
        return services.Count > 0 ? services : throw new InvalidOperationException($"No contract declares a service in package {package}.");
    }
}
