namespace Consilium.Orchestrator.Tests;
