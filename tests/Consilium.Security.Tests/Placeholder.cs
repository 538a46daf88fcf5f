namespace Consilium.Security.Tests;
