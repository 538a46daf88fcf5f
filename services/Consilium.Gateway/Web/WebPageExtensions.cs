using Microsoft.Extensions.FileProviders;

namespace Consilium.Gateway.Web;

/// <summary>Serves the web page from <c>wwwroot</c>, without authentication (the page asks for the key itself).</summary>
public static class WebPageExtensions
{
    /// <summary>
    /// <c>wwwroot</c> beside the gateway's assembly (the build and publish copy it there), so the page is found whatever
    /// the working directory or content root is.
    /// </summary>
    public static string WebRoot { get; } = Path.Combine(AppContext.BaseDirectory, "wwwroot");

    public static WebApplication UseWebPage(this WebApplication app)
    {
        if (!Directory.Exists(WebRoot))
        {
            throw new ConfigurationErrorException($"The gateway's web page folder '{WebRoot}' is missing; rebuild or republish the gateway.");
        }
        var files = new PhysicalFileProvider(WebRoot);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        return app;
    }
}
