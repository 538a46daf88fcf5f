[assembly: AssemblyFixture(typeof(Consilium.ModelSimulator.Tests.FastSimulator))]
