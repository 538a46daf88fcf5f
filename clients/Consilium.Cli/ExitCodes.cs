namespace Consilium.Cli;

/// <summary>The exit codes of <c>consilium</c> (docs/clients.md, "CLI").</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The council ended with <c>error</c> (every agent failed, it timed out, or it was stopped elsewhere).</summary>
    public const int CouncilFailed = 1;

    /// <summary>Bad arguments, or the server refused the request as invalid (400, 404, 413, 415, 422).</summary>
    public const int Usage = 2;

    /// <summary>The key is missing or wrong (401), or the origin was refused (403).</summary>
    public const int Auth = 3;

    /// <summary>Rate limited (429); the message says when to try again.</summary>
    public const int RateLimited = 4;

    /// <summary>The server failed (5xx), could not be reached, its certificate was not trusted, or the stream was lost.</summary>
    public const int Server = 5;

    /// <summary>Interrupted with Ctrl+C (the council was stopped).</summary>
    public const int Interrupted = 130;
}
