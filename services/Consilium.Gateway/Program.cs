using Consilium.Gateway.Http;
using Consilium.Gateway.Proxy;
using Consilium.Gateway.Tls;
using Consilium.Gateway.Web;
using Consilium.Telemetry;
using Consilium.ServiceDefaults.WarmUp;

return ServiceRunner.Start(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.Services.AddStartupWarmUp<PipelineWarmUp>();
    builder.AddEdgeTraceContext();
    builder.AddEdgeHttp();
    builder.AddGatewayTls();
    builder.AddRequestLog();
    builder.AddOrchestratorProxy();

    var app = builder.Build();
    app.UseRequestLog();
    app.UseEdgeHttp();
    app.UseSecurityHeaders();
    app.UseGatewayTls();
    app.MapDefaultEndpoints();
    app.UseWebPage();
    app.MapOrchestratorProxy();
    return app;
});
