using Collaboration.Identity;

var builder = WebApplication.CreateBuilder(args);
builder.AddIdentityServices();

var app = builder.Build();
app.MapIdentityEndpoints();
app.Run();

/// <summary>The entry point, visible to the tests.</summary>
public partial class Program;
