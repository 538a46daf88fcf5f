using Consilium.Gateway.Http;
using Consilium.Gateway.Proxy;
using Consilium.Gateway.Web;

// Start turns a configuration error raised while building (e.g. a malformed ORCHESTRATOR_URLS) into one clear line.
return ServiceRunner.Start(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.AddEdgeHttp();
    builder.AddOrchestratorProxy();

    var app = builder.Build();
    app.UseEdgeHttp();
    app.MapDefaultEndpoints();
    app.UseWebPage();
    app.MapOrchestratorProxy();
    return app;
});
