using Consilium.Orchestrator.Agents;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Http;
using Consilium.Orchestrator.Security;

// Start turns a configuration error raised while building (e.g. a malformed AGENT_URLS) into one clear line.
return ServiceRunner.Start(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.AddPublicApi();
    builder.AddAgents();
    builder.AddCouncil();

    var app = builder.Build();
    app.UseProblemResponses();
    app.UsePublicSecurity();
    app.MapDefaultEndpoints();

    var api = app.MapPublicApi();
    api.MapAgentsApi();
    api.MapCouncilApi();
    return app;
});
