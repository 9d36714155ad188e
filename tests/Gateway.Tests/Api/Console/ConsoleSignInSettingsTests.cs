using Gateway.Api.Console;
using Gateway.Api.SignOn;
using Gateway.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Api.Console;

/// <summary>
/// The console's identity provider settings, checked when the gateway starts, and how a user's groups become a role.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ConsoleSignInSettingsTests
{
    private const string Section = "Gateway:Console:SignIn:";

    [Theory]
    [InlineData("Authority", "login.example.com", "Authority must be an absolute https URL")]
    [InlineData("Authority", "http://login.example.com", "Authority must be an absolute https URL")]
    [InlineData("ClientId", "", "ClientId is required with an Authority")]
    [InlineData("Scopes", "profile email", "Scopes must include openid")]
    [InlineData("Roles:0:Role", "owner", "Roles:0:Role must be org_admin, workspace_admin or analyst")]
    [InlineData("Roles:0:Group", "", "Roles:0:Group is required")]
    [InlineData("Roles:1:Workspaces:0", null, "Roles:1:Workspaces must name at least one workspace for analyst")]
    [InlineData("Roles:2:Workspaces:0", "team-a", "Roles:2:Workspaces must be empty for org_admin")]
    [InlineData("DisplayName", "Example\nCorp", "DisplayName must be 1 to 100 characters of plain text")]
    public void A_sign_in_setting_that_makes_no_sense_stops_the_start_by_name(string key, string? value, string expected)
    {
        var settings = Valid();
        if (value is null)
        {
            settings.Remove(Section + key);
        }
        else
        {
            settings[Section + key] = value;
        }
        using var services = Services(settings);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ConsoleOptions>>().Value);

        Assert.Contains(error.Failures, f => f.StartsWith("Gateway:Console:SignIn:" + expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Valid_settings_start_an_http_authority_only_where_http_issuers_are_allowed_and_no_authority_turns_sign_in_off()
    {
        var settings = Valid();
        settings[Section + "Authority"] = "http://127.0.0.1:5556";
        settings["Gateway:Identity:AllowHttpIssuers"] = "true";
        using (var services = Services(settings))
        {
            Assert.True(services.GetRequiredService<IOptions<ConsoleOptions>>().Value.SignIn.Enabled);
        }
        using (var services = Services(Valid()))
        {
            Assert.Equal("https://login.example.com", services.GetRequiredService<IOptions<ConsoleOptions>>().Value.SignIn.Authority);
        }
        using (var off = Services(new Dictionary<string, string?> { [Section + "Roles:0:Role"] = "nonsense" }))
        {
            Assert.False(off.GetRequiredService<IOptions<ConsoleOptions>>().Value.SignIn.Enabled);
        }
    }

    [Fact]
    public void The_highest_role_a_users_groups_grant_wins_with_the_workspaces_of_every_rule_granting_it()
    {
        using var services = Services(Valid());
        var signIn = services.GetRequiredService<IOptions<ConsoleOptions>>().Value.SignIn;

        Assert.Equal(("analyst", ["team-a"]), Of(signIn, "analysts-a", "staff"));
        Assert.Equal(("analyst", ["team-a", "team-b"]), Of(signIn, "analysts-a", "analysts-b"));
        Assert.Equal(("workspace_admin", ["team-b"]), Of(signIn, "analysts-a", "admins-b"));
        Assert.Equal(("org_admin", []), Of(signIn, "admins-b", "gateway-admins"));
        Assert.Null(signIn.RoleOf(new HashSet<string> { "staff", "Gateway-Admins" }));
    }

    private static (string, string[])? Of(ConsoleSignInOptions signIn, params string[] groups) =>
        signIn.RoleOf(groups.ToHashSet()) is { } role ? (role.Role, [.. role.Workspaces]) : null;

    private static Dictionary<string, string?> Valid() => new()
    {
        [Section + "Authority"] = "https://login.example.com",
        [Section + "ClientId"] = "gateway-console",
        [Section + "Roles:0:Group"] = "analysts-a",
        [Section + "Roles:0:Role"] = "analyst",
        [Section + "Roles:0:Workspaces:0"] = "team-a",
        [Section + "Roles:1:Group"] = "analysts-b",
        [Section + "Roles:1:Role"] = "analyst",
        [Section + "Roles:1:Workspaces:0"] = "team-b",
        [Section + "Roles:2:Group"] = "gateway-admins",
        [Section + "Roles:2:Role"] = "org_admin",
        [Section + "Roles:3:Group"] = "admins-b",
        [Section + "Roles:3:Role"] = "workspace_admin",
        [Section + "Roles:3:Workspaces:0"] = "team-b",
    };

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.Configure<ConsoleOptions>(configuration.GetSection(ConsoleOptions.Section));
        services.Configure<SignOnOptions>(configuration.GetSection(SignOnOptions.Section));
        services.AddOptionsChecks();
        return services.BuildServiceProvider();
    }
}
