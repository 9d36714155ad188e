using Gateway.Api.Budgets;
using Gateway.Api.Routing;
using Gateway.Api.Telemetry;
using Gateway.Projections.Ledger;
using Gateway.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Silo.Hosting;

/// <summary>Settings that cannot be read or make no sense stop the start, naming the setting.</summary>
[Trait("Category", "Unit")]
public sealed class SettingsChecksTests
{
    [Theory]
    [InlineData("Gateway:Cluster:SiloPort", "80a", "Gateway:Cluster:SiloPort: '80a' is not a port")]
    [InlineData("Gateway:Cluster:SiloPort", "70000", "Gateway:Cluster:SiloPort: '70000' is not a port")]
    [InlineData("Gateway:Cluster:SiloPort", "-1", "Gateway:Cluster:SiloPort: '-1' is not a port")]
    [InlineData("Gateway:Projections:Run", "yes", "Gateway:Projections:Run: 'yes' is not true or false")]
    [InlineData("Gateway:Cluster:Id", "prod cluster", "Gateway:Cluster:Id: at most 64 letters")]
    public void A_host_setting_that_cannot_be_read_is_refused_by_name(string key, string value, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => GatewaySettings.Read(Configuration((key, value))));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Host_settings_read_as_written_and_default_when_absent()
    {
        var set = GatewaySettings.Read(Configuration(("Gateway:Cluster:SiloPort", "11111"), ("Gateway:Projections:Run", "false"), ("Gateway:Cluster:Id", "prod-eu.1")));
        var unset = GatewaySettings.Read(Configuration());

        Assert.Equal((11111, false, "prod-eu.1"), (set.SiloPort, set.RunsProjections, set.ClusterId));
        Assert.Equal((0, true, "gateway"), (unset.SiloPort, unset.RunsProjections, unset.ClusterId));
    }

    [Theory]
    [InlineData("Gateway:Budgets:Lease", "-00:01:00", "Gateway:Budgets:Lease must be longer than 0")]
    [InlineData("Gateway:Budgets:ServerToolResultTokens", "0", "Gateway:Budgets:ServerToolResultTokens must be a positive number")]
    [InlineData("Gateway:Ledger:Writers", "0", "Gateway:Ledger:Writers must be at least 1")]
    [InlineData("Gateway:Routing:BreakerMaxOpenFor", "00:00:01", "Gateway:Routing:BreakerMaxOpenFor (00:00:01) must be at least BreakerOpenFor")]
    public void An_option_that_makes_no_sense_is_refused_by_name(string key, string value, string expected)
    {
        using var services = Services(Configuration((key, value)));

        var error = Assert.Throws<OptionsValidationException>(() => Resolve(services, key));

        Assert.Contains(error.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void An_option_that_cannot_be_read_names_its_setting()
    {
        using var services = Services(Configuration(("Gateway:Budgets:Lease", "5 minutes")));

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IOptions<BudgetOptions>>().Value);

        Assert.Contains("Gateway:Budgets:Lease", error.Message);
    }

    [Fact]
    public void The_log_format_is_text_or_json_and_nothing_else()
    {
        Assert.Equal("json", ConsoleLog.Format(Configuration(("Gateway:Logging:Format", "JSON"))));
        Assert.Equal("text", ConsoleLog.Format(Configuration()));
        var error = Assert.Throws<InvalidOperationException>(() => ConsoleLog.Format(Configuration(("Gateway:Logging:Format", "xml"))));
        Assert.StartsWith("Gateway:Logging:Format: 'xml' is not text or json", error.Message);
    }

    [Fact]
    public void A_telemetry_flag_that_cannot_be_read_names_its_setting()
    {
        using var services = Services(Configuration(("Gateway:Telemetry:PublicMetrics", "yes")));

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IOptions<TelemetryOptions>>().Value);

        Assert.Contains("Gateway:Telemetry:PublicMetrics", error.Message);
    }

    [Fact]
    public void The_defaults_pass_every_check()
    {
        using var services = Services(Configuration());

        Assert.True(services.GetRequiredService<IOptions<BudgetOptions>>().Value.Lease > TimeSpan.Zero);
        Assert.Equal(1, services.GetRequiredService<IOptions<LedgerOptions>>().Value.Writers);
        Assert.Equal(5, services.GetRequiredService<IOptions<RoutingOptions>>().Value.BreakerFailures);
    }

    private static object Resolve(ServiceProvider services, string key) => key.Split(':')[1] switch
    {
        "Budgets" => services.GetRequiredService<IOptions<BudgetOptions>>().Value,
        "Ledger" => services.GetRequiredService<IOptions<LedgerOptions>>().Value,
        _ => services.GetRequiredService<IOptions<RoutingOptions>>().Value,
    };

    private static ServiceProvider Services(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.Configure<BudgetOptions>(configuration.GetSection(BudgetOptions.Section));
        services.Configure<LedgerOptions>(configuration.GetSection(LedgerOptions.Section));
        services.Configure<RoutingOptions>(configuration.GetSection(RoutingOptions.Section));
        services.Configure<TelemetryOptions>(configuration.GetSection(TelemetryOptions.Section));
        services.AddOptionsChecks();
        return services.BuildServiceProvider();
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
