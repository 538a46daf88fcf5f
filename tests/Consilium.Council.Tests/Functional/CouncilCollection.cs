using Consilium.Council.Tests.Hosting;

namespace Consilium.Council.Tests.Functional;

/// <summary>The functional tests share one cluster and run one after another (some read the simulator's request log).</summary>
[CollectionDefinition(Name)]
public sealed class CouncilCollection : ICollectionFixture<CouncilCluster>
{
    public const string Name = "council";
}
