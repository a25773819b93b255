using Collaboration.IndustrialColleges.Data;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Hosting;

namespace Collaboration.IndustrialColleges;

public static class Extensions
{
    /// <summary>The database connection name the AppHost gives this service.</summary>
    public const string DatabaseName = "collegesdb";

    /// <summary>Registers the Industrial Colleges service: shared hosting, its database, its store and the major catalogue.</summary>
    public static IHostApplicationBuilder AddIndustrialCollegeServices(this IHostApplicationBuilder builder)
    {
        builder.AddCollaborationService(DatabaseName, typeof(Extensions).Assembly, "Collaboration Industrial Colleges API");
        builder.Services.AddSingleton<IndustrialCollegeStore>();
        builder.Services.AddSingleton(MajorCatalogue.Embedded());
        return builder;
    }
}
