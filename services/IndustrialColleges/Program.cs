using Collaboration.IndustrialColleges;
using Collaboration.IndustrialColleges.Grpc;
using Collaboration.Shared.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddIndustrialCollegeServices();

var app = builder.Build();
app.MapCollaborationService<IndustrialCollegesGrpcService>();
app.Run();

/// <summary>The entry point, visible to the end-to-end tests.</summary>
public partial class Program;
