using Gateway.Grains.Common;
using Gateway.Grains.Configs;

namespace Gateway.Tests.Grains.Configs;

/// <summary>The SPEC's routing config: what it accepts, what it defaults, and the message when it refuses.</summary>
[Trait("Category", "Unit")]
public sealed class RouteConfigParserTests
{
    [Fact]
    public void A_nested_config_keeps_its_strategies_weights_retries_and_inherited_timeout()
    {
        var route = RouteConfigParser.Parse("""
            { "strategy": { "mode": "fallback", "on_status_codes": [429, 529] },
              "request_timeout_ms": 30000,
              "targets": [
                { "provider": "@anthropic-prod", "override_params": { "model": "claude-haiku-4-5" },
                  "retry": { "attempts": 2, "on_status_codes": [529] } },
                { "strategy": { "mode": "loadbalance" }, "weight": 1,
                  "targets": [ { "provider": "@bedrock-us", "weight": 3 }, { "provider": "vertex-eu", "weight": 1 } ] } ] }
            """);

        Assert.Equal(RouteModes.Fallback, route.Mode);
        Assert.Equal([429, 529], route.OnStatusCodes.ToArray());
        var first = route.Targets[0];
        Assert.Equal(("anthropic-prod", "claude-haiku-4-5", 2), (first.Provider, first.OverrideModel, first.Retry!.Attempts));
        Assert.Equal([529], first.Retry.OnStatusCodes.ToArray());
        var group = route.Targets[1].Group!;
        Assert.Equal(RouteModes.LoadBalance, group.Mode);
        Assert.Equal(30000, group.RequestTimeoutMs);
        Assert.Equal([("bedrock-us", 3), ("vertex-eu", 1)], group.Targets.Select(t => (t.Provider!, t.Weight)));
        Assert.Equal(["anthropic-prod", "bedrock-us", "vertex-eu"], route.Providers());
        Assert.Equal(["claude-haiku-4-5", "claude-sonnet-4-5"], route.Models("claude-sonnet-4-5"));
    }

    [Fact]
    public void Defaults_fall_back_on_overload_and_server_errors_and_retry_nothing()
    {
        var route = RouteConfigParser.Parse("""{ "strategy": { "mode": "fallback" }, "targets": [ { "provider": "@a" }, { "provider": "@b" } ] }""");

        Assert.Equal([408, 429, 500, 502, 503, 504, 529], route.OnStatusCodes.ToArray());
        Assert.Equal(RouteConfig.DefaultRequestTimeoutMs, route.RequestTimeoutMs);
        Assert.All(route.Targets, t => Assert.Null(t.Retry));
    }

    [Theory]
    [InlineData("""{ "strategy": { "mode": "round_robin" }, "targets": [ { "provider": "@a" } ] }""", "config.strategy.mode")]
    [InlineData("""{ "targets": [ { "provider": "@a" }, { "provider": "@b" } ] }""", "exactly one target")]
    [InlineData("""{ "strategy": { "mode": "fallback" }, "targets": [ { "provider": "@a", "weight": 0 } ] }""", "config.targets[0].weight")]
    [InlineData("""{ "strategy": { "mode": "loadbalance" }, "targets": [ { "provider": "@a", "weight": 2000000 }, { "provider": "@b", "weight": 2147483647 } ] }""", "config.targets[0].weight")]
    [InlineData("""{ "strategy": { "mode": "fallback" }, "targets": [ { "provider": "@a", "retry": { "attempts": 9 } } ] }""", "config.targets[0].retry.attempts")]
    [InlineData("""{ "strategy": { "mode": "fallback", "on_status_codes": [200] }, "targets": [ { "provider": "@a" } ] }""", "config.strategy.on_status_codes")]
    [InlineData("""{ "strategy": { "mode": "fallback" }, "targets": [ { "provider": "@a", "strategy": { "mode": "single" }, "targets": [ { "provider": "@b" } ] } ] }""", "not both")]
    [InlineData("""{ "strategy": { "mode": "fallback" }, "targets": [ { "strategy": { "mode": "fallback" }, "targets": [] } ] }""", "config.targets[0].targets")]
    [InlineData("""{ "targets": [ { "provider": "@a", "override_params": { "temperature": 1 } } ] }""", "override_params.temperature")]
    public void A_config_it_cannot_route_is_refused_naming_the_field(string json, string named)
    {
        var error = Assert.Throws<AdminException>(() => RouteConfigParser.Parse(json));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Nesting_is_bounded()
    {
        var json = """{ "provider": "@a" }""";
        for (var depth = 0; depth <= RouteConfigParser.MaxDepth + 1; depth++)
        {
            json = $$"""{ "strategy": { "mode": "fallback" }, "targets": [ {{json}} ] }""";
        }
        Assert.Contains("nest deeper", Assert.Throws<AdminException>(() => RouteConfigParser.Parse(json)).Message);
    }
}
