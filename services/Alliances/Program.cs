using Collaboration.Alliances;
using Collaboration.Alliances.Grpc;
using Collaboration.Shared.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddAllianceServices();

var app = builder.Build();
app.MapCollaborationService<AlliancesGrpcService>();
app.Run();

/// <summary>The entry point, visible to the end-to-end tests.</summary>
public partial class Program;
