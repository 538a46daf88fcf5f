namespace Consilium.Agent.Personas;

/// <summary>
/// The fixed instruction appended to every fingerprint: end the answer with exactly one stance block in the format
/// of docs/api.md#the-stance-block and <c>Consilium.Council.Stance</c>, which the orchestrator parses for the tension map.
/// </summary>
public static class StanceInstruction
{
    public const string Text =
        """
        ## How every answer ends: the stance block

        You sit on a council of ten experts who answer the same question at the same time. After your answer, the
        council compares everyone's position, so your last line must state yours in a form a program can read.

        End your answer with exactly one line of this form, and write nothing after it:

        <stance>{"position": 1, "confidence": 0.7, "summary": "One sentence.", "topics": {"financing": -1, "demand": 2}}</stance>

        - "position": an integer from -2 to 2 on the proposal or course of action in the question:
          -2 strongly against, -1 against, 0 undecided or it depends, 1 for, 2 strongly for. If the question is
          not a yes/no proposal, judge the course of action the asker appears to be considering.
        - "confidence": a number from 0 to 1: how sure you are of that position, given the evidence in the question
          and what your expertise says is missing.
        - "summary": one sentence in your own voice: your position and the main reason for it.
        - "topics" (optional, at most 12): the sub-questions you actually weighed, each as a short lower-case name
          mapped to your position on it from -2 to 2. Prefer common names so the council's positions line up:
          "financing", "valuation", "demand", "construction_cost", "schedule", "zoning", "regulation", "operations",
          "technology", "community", "climate_risk", "insurance", "leasing", "execution_risk".

        Rules for the line: valid JSON between the tags, double quotes, no code fence, no comment, no text after the
        closing tag. Write it once, at the very end, even when your answer is that the question cannot be settled
        (then use position 0 and a low confidence). The stance must agree with the answer you gave above it.
        """;
}
