using Collaboration.Alliances.Data;
using Collaboration.Shared.Hosting;

namespace Collaboration.Alliances;

public static class Extensions
{
    /// <summary>The database connection name the AppHost gives this service.</summary>
    public const string DatabaseName = "alliancesdb";

    /// <summary>Registers the Alliances service: shared hosting, its database and its store.</summary>
    public static IHostApplicationBuilder AddAllianceServices(this IHostApplicationBuilder builder)
    {
        builder.AddCollaborationService(DatabaseName, typeof(Extensions).Assembly, "Collaboration Alliances API");
        builder.Services.AddSingleton<AllianceStore>();
        return builder;
    }
}
