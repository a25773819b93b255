using Collaboration.Apprenticeships;
using Collaboration.Apprenticeships.Grpc;
using Collaboration.Shared.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddApprenticeshipServices();

var app = builder.Build();
app.MapCollaborationService<CohortsGrpcService>();
app.MapGrpcService<TrainingSupplyGrpcService>().RequireAuthorization();
app.MapRosterCsvImport();
app.Run();

/// <summary>The entry point, visible to the end-to-end tests.</summary>
public partial class Program;
