using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Consilium.ServiceDefaults;

/// <summary>Thrown at start-up for a configuration error; the message names the variable.</summary>
public sealed class ConfigurationErrorException(string message) : Exception(message);

/// <summary>
/// The one entry shape of every service: <c>return ServiceRunner.Start(() =&gt; { build; map; return app; });</c>.
/// A configuration error — one read while building (<see cref="ConfigurationErrorException"/>, also when framework
/// code wrapped it), or an option bound and validated at start (<c>ValidateOnStart</c>: a bad value throws while
/// binding or fails validation) — stops the service with one line on standard error naming the variable, and exit
/// code 1, instead of a stack trace.
/// </summary>
public static class ServiceRunner
{
    public static int Start(Func<WebApplication> build)
    {
        try
        {
            var app = build();
            // The ValidateOnStart checks run here, before the host starts: it would log a failure with a stack trace.
            app.Services.GetService<IStartupValidator>()?.Validate();
            app.Run();
            return 0;
        }
        catch (Exception ex) when (ConfigurationError(ex) is { } error)
        {
            // Raised while building or binding; framework code that resolves an option early (YARP building its
            // routes' transforms, a hosted service's constructor) may have wrapped it.
            return Fail(error.Message);
        }
        catch (OptionsValidationException ex)
        {
            return Fail(string.Join("; ", ex.Failures));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(inner => inner is OptionsValidationException))
        {
            // More than one option failed validation: still one line, every failure in it.
            return Fail(string.Join("; ", ex.InnerExceptions.SelectMany(inner => ((OptionsValidationException)inner).Failures)));
        }
    }

    private static ConfigurationErrorException? ConfigurationError(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is ConfigurationErrorException error)
            {
                return error;
            }
        }
        return null;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"Configuration error: {message}");
        return 1;
    }
}
