using Consilium.Agent;
using Consilium.Agent.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAgent();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAskApi();
return app.RunService();
