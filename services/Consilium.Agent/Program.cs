using Consilium.Agent;
using Consilium.Agent.Api;

return ServiceRunner.Start(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.AddAgent();

    var app = builder.Build();
    app.MapDefaultEndpoints();
    app.MapAskApi();
    return app;
});
