using System.Text.Json;
using System.Text.Json.Serialization;
using Consilium.Orchestrator.Agents;
using Consilium.Orchestrator.Council;

namespace Consilium.Orchestrator.Http;

/// <summary>Source-generated JSON of the public API's request bodies, read by <see cref="Consilium.Contracts.JsonBody"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CouncilRequest))]
[JsonSerializable(typeof(AgentQuestion))]
internal sealed partial class PublicBodyJson : JsonSerializerContext;
