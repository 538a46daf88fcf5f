namespace Consilium.ModelSimulator.Tests;
