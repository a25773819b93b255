using Collaboration.Portal;

var builder = WebApplication.CreateBuilder(args);
builder.AddPortalServices();

var app = builder.Build();
app.MapPortal();
app.Run();
