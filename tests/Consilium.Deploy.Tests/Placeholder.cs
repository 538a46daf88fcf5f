namespace Consilium.Deploy.Tests;
