using Collaboration.Shared.Hosting;
using Collaboration.Talent.Data;
using Collaboration.Talent.Model;

namespace Collaboration.Talent;

public static class Extensions
{
    /// <summary>The database connection name the AppHost gives this service.</summary>
    public const string DatabaseName = "talentdb";

    /// <summary>Registers the Talent service: shared hosting, its database, its store and the occupation and major code lists.</summary>
    public static IHostApplicationBuilder AddTalentServices(this IHostApplicationBuilder builder)
    {
        builder.AddCollaborationService(DatabaseName, typeof(Extensions).Assembly, "Collaboration Talent API");
        builder.Services.AddSingleton(CodeLists.FromEmbeddedResources());
        builder.Services.AddSingleton<DeclarationStore>();
        return builder;
    }
}
