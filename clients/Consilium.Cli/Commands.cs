using Consilium.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Consilium.Cli;

/// <summary><c>consilium agents</c>: the roster with each agent's health.</summary>
public sealed class AgentsCommand(IAnsiConsole console) : AsyncCommand<ConnectionSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ConnectionSettings settings, CancellationToken cancellationToken)
    {
        var (http, client) = Connection.Create(settings);
        using (http)
        {
            var agents = await client.GetAgentsAsync(cancellationToken);
            if (settings.Json)
            {
                foreach (var agent in agents)
                {
                    Console.Out.WriteLine(Ndjson.Line(agent));
                }
                return ExitCodes.Ok;
            }
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("Id");
            table.AddColumn("Name");
            table.AddColumn("Domain");
            table.AddColumn("Healthy");
            foreach (var agent in agents)
            {
                table.AddRow(new Text(agent.Id), new Text(agent.Name), new Text(agent.Domain), new Markup(agent.Healthy ? "[green]yes[/]" : "[red]no[/]"));
            }
            console.Write(table);
            return ExitCodes.Ok;
        }
    }
}

/// <summary><c>consilium ask "question"</c>: starts a council and shows it.</summary>
public sealed class AskCommand(IAnsiConsole console, Interrupt interrupt) : AsyncCommand<AskSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, AskSettings settings, CancellationToken cancellationToken) =>
        CouncilSession.RunAsync(console, interrupt, settings, settings.Full, client => client.AskCouncilAsync(
            new CouncilQuestion(settings.Question, settings.AgentIds, settings.NoSynthesis ? false : null), CancellationToken.None));
}

/// <summary><c>consilium resume &lt;sessionId&gt; --token &lt;resumeToken&gt;</c>: replays a council and follows it to the end.</summary>
public sealed class ResumeCommand(IAnsiConsole console, Interrupt interrupt) : AsyncCommand<ResumeSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, ResumeSettings settings, CancellationToken cancellationToken) =>
        CouncilSession.RunAsync(console, interrupt, settings, settings.Full, client => client.ResumeCouncilAsync(
            settings.SessionId, settings.Token, settings.LastEventId, CancellationToken.None), settings.SessionId, settings.Token);
}

/// <summary>
/// Reads one council to its end, as NDJSON or as the live view. Ctrl+C (see <see cref="Interrupt"/>) stops the council
/// on the server (DELETE), reads on until its <c>error</c> <c>cancelled</c> arrives with the spent usage, and exits 130.
/// </summary>
public static class CouncilSession
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(
        IAnsiConsole console,
        Interrupt interrupt,
        ConnectionSettings settings,
        bool full,
        Func<ConsiliumClient, IAsyncEnumerable<CouncilEvent>> open,
        string? sessionId = null,
        string? resumeToken = null)
    {
        var view = new CouncilView(TimeProvider.System);
        var (http, client) = Connection.Create(settings, (attempt, _) => view.Notice = $"Connection lost; reconnecting (try {attempt})…");
        using (http)
        using (var reading = new CancellationTokenSource())
        {
            // The first Ctrl+C stops the council and lets its last event arrive; without it in time, reading ends.
            using var registration = interrupt.Token.Register(() => _ = Task.Run(async () =>
            {
                if ((view.SessionId ?? sessionId) is not { } id)
                {
                    await reading.CancelAsync(); // nothing started yet that could be stopped
                    return;
                }
                try
                {
                    using var timeout = new CancellationTokenSource(StopGrace);
                    await client.StopCouncilAsync(id, view.ResumeToken ?? resumeToken, timeout.Token);
                }
                catch (Exception ex) when (ex is ConsiliumApiException or HttpRequestException or OperationCanceledException)
                {
                    // Reading ends below either way.
                }
                reading.CancelAfter(StopGrace);
            }));

            var events = ReadAsync(open(client), reading.Token);
            try
            {
                if (settings.Json)
                {
                    await foreach (var item in events)
                    {
                        view.Apply(item);
                        Console.Out.WriteLine(Ndjson.Line(item));
                    }
                }
                else if (console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi)
                {
                    await console.Live(view.Render()).AutoClear(false).StartAsync(async live =>
                    {
                        var last = TimeProvider.System.GetTimestamp();
                        await foreach (var item in events)
                        {
                            view.Apply(item);
                            // About ten frames a second, whatever the delta rate.
                            if (item.IsTerminal || TimeProvider.System.GetElapsedTime(last) > TimeSpan.FromMilliseconds(100))
                            {
                                live.UpdateTarget(view.Render());
                                last = TimeProvider.System.GetTimestamp();
                            }
                        }
                        live.UpdateTarget(view.Render());
                    });
                    console.Write(view.RenderSummary(full));
                }
                else
                {
                    await foreach (var item in events)
                    {
                        view.Apply(item);
                    }
                    console.Write(view.Render());
                    console.Write(view.RenderSummary(full));
                }
            }
            catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
            {
                console.MarkupLine("[yellow]Interrupted.[/]");
                return ExitCodes.Interrupted;
            }
            if (interrupt.Token.IsCancellationRequested)
            {
                return ExitCodes.Interrupted;
            }
            return view.Done is not null ? ExitCodes.Ok : ExitCodes.CouncilFailed;
        }
    }

    /// <summary>Makes the enumeration cancellable by <paramref name="cancellationToken"/> at any await.</summary>
    private static async IAsyncEnumerable<CouncilEvent> ReadAsync(
        IAsyncEnumerable<CouncilEvent> events, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in events.WithCancellation(cancellationToken))
        {
            yield return item;
        }
    }
}
