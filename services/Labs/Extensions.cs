using Collaboration.Labs.Data;
using Collaboration.Shared.Hosting;

namespace Collaboration.Labs;

public static class Extensions
{
    /// <summary>The database connection name the AppHost gives this service.</summary>
    public const string DatabaseName = "labsdb";

    /// <summary>Registers the Labs service: shared hosting, its database, its store and its platform-count gauge.</summary>
    public static IHostApplicationBuilder AddLabServices(this IHostApplicationBuilder builder)
    {
        builder.AddCollaborationService(DatabaseName, typeof(Extensions).Assembly, "Collaboration Labs API");
        builder.Services.AddSingleton<LabStore>();
        builder.Services.AddSingleton(new LabMetricsOptions
        {
            RefreshInterval = builder.Configuration.GetValue("Labs:CountsRefreshInterval", TimeSpan.FromSeconds(30)),
        });
        builder.Services.AddSingleton<LabMetrics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LabMetrics>());
        return builder;
    }
}
