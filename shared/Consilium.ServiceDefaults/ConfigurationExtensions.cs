using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Reading the contract's flat environment variables (CONTRACT §2).</summary>
public static class ConsiliumConfiguration
{
    /// <summary>A comma-separated variable as a list of trimmed, non-empty entries.</summary>
    public static IReadOnlyList<string> GetList(this IConfiguration configuration, string name) =>
        (configuration[name] ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The orchestrator→agent key for one agent: <c>INTERNAL_KEY_&lt;AGENTID&gt;</c>, else <c>INTERNAL_KEY</c>.</summary>
    public static string? GetInternalKey(this IConfiguration configuration, string agentId)
    {
        var specific = configuration["INTERNAL_KEY_" + agentId.ToUpperInvariant()];
        return string.IsNullOrWhiteSpace(specific) ? NullIfBlank(configuration["INTERNAL_KEY"]) : specific;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>Thrown at start-up for a configuration error; the message names the variable.</summary>
public sealed class ConfigurationErrorException(string message) : Exception(message);

public static class ServiceRunner
{
    /// <summary>
    /// Runs the app; a configuration error (options validation or <see cref="ConfigurationErrorException"/>)
    /// stops it with one clear line on standard error and exit code 1, instead of a stack trace.
    /// </summary>
    public static int RunService(this Microsoft.AspNetCore.Builder.WebApplication app)
    {
        try
        {
            // Run the ValidateOnStart checks before starting the host, which would log a failure with a stack trace.
            app.Services.GetService<IStartupValidator>()?.Validate();
            app.Run();
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            return Fail(string.Join("; ", ex.Failures));
        }
        catch (ConfigurationErrorException ex)
        {
            return Fail(ex.Message);
        }
    }

    /// <summary>Builds the app, turning configuration errors raised while building into one clear line.</summary>
    public static int Start(Func<Microsoft.AspNetCore.Builder.WebApplication> build)
    {
        try
        {
            return build().RunService();
        }
        catch (ConfigurationErrorException ex)
        {
            return Fail(ex.Message);
        }
        catch (OptionsValidationException ex)
        {
            return Fail(string.Join("; ", ex.Failures));
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"Configuration error: {message}");
        return 1;
    }
}
