using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Providers;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Api.Providers;

/// <summary>Provider connections cannot be pointed at the gateway host's cloud metadata service.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ProviderAddressesTests(GatewayFixture gateway, CloudProviders clouds) : IClassFixture<CloudProviders>
{
    [Theory]
    [InlineData("169.254.169.254", true)]
    [InlineData("169.254.0.1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00:ec2::254", true)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.0.0.5", false)]
    [InlineData("::1", false)]
    public void Link_local_and_metadata_addresses_are_forbidden(string address, bool forbidden) =>
        Assert.Equal(forbidden, ProviderAddresses.IsForbidden(IPAddress.Parse(address)));

    [Theory]
    [InlineData("anthropic", "base_url", "http://169.254.169.254/latest/meta-data/")]
    [InlineData("anthropic", "base_url", "http://[fe80::1]:8080/")]
    [InlineData("anthropic", "base_url", "http://metadata.google.internal/")]
    [InlineData("vertex", "token_url", "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token")]
    public async Task A_provider_pointed_at_a_metadata_address_is_refused(string kind, string field, string url)
    {
        var body = kind == "vertex"
            ? new JsonObject
            {
                ["kind"] = "vertex",
                ["region"] = "global",
                ["credentials"] = new JsonObject { ["service_account_json"] = clouds.ServiceAccountJson },
            }
            : new JsonObject { ["kind"] = "anthropic", ["credentials"] = new JsonObject { ["api_key"] = "sk-ant-x" } };
        body["slug"] = "meta-" + Guid.NewGuid().ToString("N")[..8];
        body[field] = url;

        using var response = await gateway.Admin.PostAsJsonAsync("/admin/v1/providers", body);

        var error = await AnthropicError.ReadAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.StartsWith($"{field}: must not point at a link-local or cloud metadata address", error.Message);
    }
}
