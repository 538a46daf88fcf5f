using Consilium.Orchestrator.Security;
using Consilium.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Consilium.Security.Tests.Authentication;

public class BearerSecretsTests
{
    private const string Current = "current-secret-0123456789abcdefghijklmnopqrstuv";
    private const string Next = "next-secret-ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210";

    private static readonly BearerSecrets Secrets = Create($"{Current}, {Next}");

    [Theory]
    [InlineData("Bearer " + Current)]
    [InlineData("bearer " + Current)]
    [InlineData("BEARER " + Current)]
    [InlineData("Bearer   " + Current)]
    [InlineData("Bearer " + Next)]
    public void Check_ConfiguredSecretAnySchemeCase_IsAuthorized(string header)
    {
        Assert.Equal(BearerCheck.Authorized, Secrets.Check(header));
    }

    [Theory]
    [InlineData("Bearer wrong-secret", BearerCheck.Wrong)]
    [InlineData("Bearer " + Current + "x", BearerCheck.Wrong)]
    [InlineData("Bearer " + Current + " " + Next, BearerCheck.Malformed)]
    [InlineData("Bearer " + Current + "," + Next, BearerCheck.Malformed)]
    [InlineData("Bearer", BearerCheck.Malformed)]
    [InlineData("Bearer ", BearerCheck.Malformed)]
    [InlineData("Bearer\t" + Current, BearerCheck.Malformed)]
    [InlineData("Basic " + Current, BearerCheck.Malformed)]
    [InlineData("Bearer" + Current, BearerCheck.Malformed)]
    [InlineData(Current, BearerCheck.Malformed)]
    [InlineData("Bearer " + "\"" + Current + "\"", BearerCheck.Malformed)]
    [InlineData("Bearer ====", BearerCheck.Malformed)]
    [InlineData("", BearerCheck.Missing)]
    public void Check_AnythingElse_IsRefused(string header, BearerCheck expected)
    {
        Assert.Equal(expected, Secrets.Check(header));
    }

    [Fact]
    public void Check_TwoAuthorizationHeaders_IsRefusedEvenIfBothAreRight()
    {
        Assert.Equal(BearerCheck.Malformed, Secrets.Check(new StringValues(["Bearer " + Current, "Bearer " + Current])));
    }

    [Fact]
    public void Check_NoHeader_IsMissing()
    {
        Assert.Equal(BearerCheck.Missing, Secrets.Check(StringValues.Empty));
    }

    [Fact]
    public void Check_OverTheLengthCap_IsRefusedUnread()
    {
        Assert.Equal(BearerCheck.TooLong, Secrets.Check("Bearer " + new string('a', BearerSecrets.MaxTokenLength + 1)));
    }

    [Fact]
    public void Check_SecretWithPadding_IsAuthorized()
    {
        var secrets = Create("c2VjcmV0LXdpdGgtcGFkZGluZy0xMjM0NTY3ODkw==");

        Assert.Equal(BearerCheck.Authorized, secrets.Check("Bearer c2VjcmV0LXdpdGgtcGFkZGluZy0xMjM0NTY3ODkw=="));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    public void Constructor_NoSecret_NamesTheVariable(string value)
    {
        var error = Assert.Throws<ConfigurationErrorException>(() => Create(value));
        Assert.Contains("CONSILIUM_SECRET", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("quote\"d")]
    [InlineData("ünïcode-secret")]
    public void Constructor_SecretThatCannotBeSent_NamesTheVariableButNotTheSecret(string value)
    {
        var error = Assert.Throws<ConfigurationErrorException>(() => Create(value));
        Assert.Contains("CONSILIUM_SECRET", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SecretOverTheCap_IsAConfigurationError()
    {
        Assert.Throws<ConfigurationErrorException>(() => Create(new string('s', BearerSecrets.MaxTokenLength + 1)));
    }

    private static BearerSecrets Create(string secrets)
    {
        var options = new BearerSecretOptions();
        BearerSecretOptions.Read(options, new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["CONSILIUM_SECRET"] = secrets }).Build());
        return new BearerSecrets(options);
    }
}
