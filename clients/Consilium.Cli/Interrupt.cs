namespace Consilium.Cli;

/// <summary>Ctrl+C: the first press is signalled through <see cref="Token"/>; a second one ends the process.</summary>
public sealed class Interrupt : IDisposable
{
    private readonly CancellationTokenSource _pressed = new();

    public CancellationToken Token => _pressed.Token;

    public void Attach() => Console.CancelKeyPress += OnCancelKeyPress;

    public void Trigger() => _pressed.Cancel();

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (_pressed.IsCancellationRequested)
        {
            return; // second press: let the runtime end the process
        }
        e.Cancel = true;
        _pressed.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _pressed.Dispose();
    }
}
