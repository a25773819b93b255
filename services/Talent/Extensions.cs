using Collaboration.Shared.Validation;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Hosting;
using Collaboration.Talent.Data;
using Collaboration.Talent.Model;

namespace Collaboration.Talent;

public static class Extensions
{
    /// <summary>The database connection name the AppHost gives this service.</summary>
    public const string DatabaseName = "talentdb";

    /// <summary>Where the Apprenticeship Classes service's gRPC endpoint is (default: its service-discovery name).</summary>
    public const string ApprenticeshipsUrlKey = "Talent:ApprenticeshipsUrl";

    /// <summary>
    /// Registers the Talent service: shared hosting, its database, its stores, the occupation and major code lists, the band
    /// thresholds (Talent:Bands) and the gRPC client of the Apprenticeship Classes service's training supply.
    /// </summary>
    public static IHostApplicationBuilder AddTalentServices(this IHostApplicationBuilder builder)
    {
        builder.AddCollaborationService(DatabaseName, typeof(Extensions).Assembly, "Collaboration Talent API");
        builder.Services.AddSingleton(CodeLists.FromEmbeddedResources());
        builder.Services.AddSingleton<DeclarationStore>();
        builder.Services.AddSingleton<CatalogueStore>();
        var thresholds = new BandThresholds();
        builder.Configuration.GetSection(BandThresholds.Section).Bind(thresholds);
        thresholds.Validated();
        builder.Services.AddSingleton(thresholds);
        builder.Services.AddGrpcClient<TrainingSupplyService.TrainingSupplyServiceClient>(o =>
            o.Address = new Uri(builder.Configuration[ApprenticeshipsUrlKey] ?? "http://_grpc.apprenticeship-classes"));
        builder.Services.AddSingleton<TrainingSupplyReader>();
        return builder;
    }
}
