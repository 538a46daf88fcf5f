using Consilium.ModelSimulator;
using Consilium.ModelSimulator.Api;

return ServiceRunner.Start(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.AddModelSimulator();

    var app = builder.Build();
    app.MapDefaultEndpoints();
    app.MapMessagesApi();
    app.MapSimApi();
    return app;
});
