namespace Consilium.Agent.Tests;
