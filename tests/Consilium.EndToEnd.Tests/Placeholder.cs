namespace Consilium.EndToEnd.Tests;
