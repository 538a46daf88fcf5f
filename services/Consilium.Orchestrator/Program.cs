using Consilium.Orchestrator.Agents;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Http;
using Consilium.Orchestrator.Mcp;
using Consilium.Orchestrator.OpenApi;
using Consilium.Orchestrator.Security;
using Consilium.Orchestrator.Stop;
using Consilium.Orchestrator.Telemetry;
using Consilium.ServiceDefaults.WarmUp;

return ServiceRunner.Start(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.Services.AddStartupWarmUp<CouncilWarmUp>();
    builder.AddPublicApi();
    builder.AddAgents();
    builder.AddCouncil();
    builder.AddCouncilStop();
    builder.AddApiDescription();
    builder.AddConsiliumMcp();
    builder.AddOrchestratorTelemetry();

    var app = builder.Build();
    app.UseProblemResponses();
    app.UsePublicSecurity();
    app.MapDefaultEndpoints();

    var api = app.MapPublicApi().WithApiDescriptions();
    api.MapAgentsApi();
    api.MapCouncilApi();
    api.MapStopApi();
    app.MapApiDescription();
    app.MapConsiliumMcp();
    return app;
});
