using Collaboration.Shared.Validation;
using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.Grpc;
using Collaboration.Apprenticeships.Model;
using Collaboration.Shared.Hosting;

namespace Collaboration.Apprenticeships;

public static class Extensions
{
    /// <summary>The database connection name the AppHost gives this service.</summary>
    public const string DatabaseName = "apprenticeshipsdb";

    /// <summary>
    /// Registers the Apprenticeship Classes service: shared hosting, its database, stores, the roster
    /// import, the code lists, the learners' identity hasher (key from Learners:IdentityKey) and the
    /// landing-rate gauges.
    /// </summary>
    public static IHostApplicationBuilder AddApprenticeshipServices(this IHostApplicationBuilder builder)
    {
        builder.AddCollaborationService(DatabaseName, typeof(Extensions).Assembly, "Collaboration Apprenticeship Classes API");
        var identityKey = builder.Configuration["Learners:IdentityKey"];
        if (string.IsNullOrEmpty(identityKey))
        {
            throw new InvalidOperationException("Learners:IdentityKey is not configured (base64 of at least 32 random bytes).");
        }
        builder.Services.AddSingleton(new IdentityHasher(Convert.FromBase64String(identityKey)));
        builder.Services.AddSingleton(CodeLists.FromEmbeddedResources());
        builder.Services.AddSingleton<CohortStore>();
        builder.Services.AddSingleton<OutcomeStore>();
        builder.Services.AddSingleton<RosterImport>();
        builder.Services.AddSingleton<CohortGate>();
        builder.Services.AddSingleton<ImportEnrolmentsHandler>();
        builder.Services.AddSingleton(new OutcomeMetricsOptions
        {
            RefreshInterval = builder.Configuration.GetValue("Apprenticeships:MetricsRefreshInterval", TimeSpan.FromSeconds(30)),
        });
        builder.Services.AddSingleton<OutcomeMetrics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutcomeMetrics>());
        return builder;
    }
}
