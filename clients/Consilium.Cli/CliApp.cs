using System.Net;
using System.Security.Authentication;
using Consilium.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Consilium.Cli;

/// <summary>The commands of <c>consilium</c> and how failures become exit codes (<see cref="ExitCodes"/>).</summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, IAnsiConsole? console = null)
    {
        using var interrupt = new Interrupt();
        interrupt.Attach();
        var output = console ?? AnsiConsole.Console;
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("consilium");
            config.ConfigureConsole(output);
            config.Settings.Registrar.RegisterInstance(interrupt);
            config.PropagateExceptions();
            config.Settings.StrictParsing = true; // an unknown option is a usage error, not silently ignored
            config.AddCommand<AskCommand>("ask")
                .WithDescription("Ask the council and watch it answer live.")
                .WithExample("ask", "\"Should we convert the office block to flats?\"", "--agents", "vasquez,cross");
            config.AddCommand<AgentsCommand>("agents")
                .WithDescription("List the agents and their health.");
            config.AddCommand<ResumeCommand>("resume")
                .WithDescription("Replay a council and follow it to its end.")
                .WithExample("resume", "<sessionId>", "--token", "<resumeToken>");
        });
        try
        {
            return await app.RunAsync(CliArguments.Normalize(args));
        }
        catch (CommandAppException ex)
        {
            return Fail(ExitCodes.Usage, ex.Message);
        }
        catch (ConsiliumApiException ex)
        {
            var code = ex.Status switch
            {
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ExitCodes.Auth,
                HttpStatusCode.TooManyRequests => ExitCodes.RateLimited,
                >= HttpStatusCode.InternalServerError => ExitCodes.Server,
                _ => ExitCodes.Usage,
            };
            var retry = ex.RetryAfter is { } after ? $" Try again in {Math.Ceiling(after.TotalSeconds)} s." : "";
            return Fail(code, $"{(int)ex.Status} {ex.Title}: {ex.Detail}{retry}");
        }
        catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException tls)
        {
            return Fail(ExitCodes.Server, $"The server's TLS certificate was not accepted ({tls.Message}). For a self-signed edge, pass its certificate with --cacert.");
        }
        catch (HttpRequestException ex)
        {
            return Fail(ExitCodes.Server, $"Could not reach the server: {ex.Message}");
        }
        catch (ConsiliumStreamException ex)
        {
            return Fail(ExitCodes.Server, ex.Message);
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"consilium: {message}");
        return code;
    }
}
