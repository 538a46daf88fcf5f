namespace Consilium.Agent.Personas;

/// <summary>One seat's epistemic fingerprint, and the system prompt the model is given for it.</summary>
public sealed record Persona(string Id, string Fingerprint)
{
    /// <summary>The fingerprint followed by the fixed instruction to end every answer with a stance block.</summary>
    public string SystemPrompt { get; } = Fingerprint.TrimEnd() + "\n\n" + StanceInstruction.Text;
}
