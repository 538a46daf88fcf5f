namespace Consilium.Local.Processes;

/// <summary>The last lines a process wrote, kept so a failure can be reported with its context.</summary>
public sealed class LogRing(int capacity = 200)
{
    private readonly Queue<string> _lines = new(capacity);
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        lock (_gate)
        {
            if (_lines.Count == capacity)
            {
                _lines.Dequeue();
            }
            _lines.Enqueue(line);
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Lines);
}
