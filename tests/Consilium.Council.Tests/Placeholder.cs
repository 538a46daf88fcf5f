namespace Consilium.Council.Tests;
