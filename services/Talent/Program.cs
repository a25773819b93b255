using Collaboration.Shared.Hosting;
using Collaboration.Talent;
using Collaboration.Talent.Grpc;

var builder = WebApplication.CreateBuilder(args);
builder.AddTalentServices();

var app = builder.Build();
app.MapCollaborationService<DeclarationsGrpcService>();
app.MapGrpcService<CatalogueGrpcService>().RequireAuthorization();
app.Run();

/// <summary>The entry point, visible to the end-to-end tests.</summary>
public partial class Program;
