using System.Text.Json;
using System.Text.Json.Serialization;
using Consilium.Council.Pricing;
using Consilium.Council.Synthesis;

namespace Consilium.Council;

/// <summary>
/// Serialization metadata of the council's JSON (stance blocks, the synthesis prompt's stances, price tables),
/// generated at build time: no reflection, so a Native AOT build of a service that uses them keeps working.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Stance))]
[JsonSerializable(typeof(IReadOnlyList<SynthesisStance>))]
[JsonSerializable(typeof(List<SynthesisStance>))]
[JsonSerializable(typeof(Dictionary<string, ModelPrice?>))]
internal sealed partial class CouncilJson : JsonSerializerContext;
