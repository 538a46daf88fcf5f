namespace Consilium.Gateway.Tests;
