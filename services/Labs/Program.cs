using Collaboration.Labs;
using Collaboration.Labs.Grpc;
using Collaboration.Shared.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddLabServices();

var app = builder.Build();
app.MapCollaborationService<LabsGrpcService>();
app.Run();

/// <summary>The entry point, visible to the end-to-end tests.</summary>
public partial class Program;
