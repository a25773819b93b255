using Collaboration.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddGatewayServices();

var app = builder.Build();
app.MapGateway();
app.Run();

/// <summary>The entry point, visible to the tests.</summary>
public partial class Program;
