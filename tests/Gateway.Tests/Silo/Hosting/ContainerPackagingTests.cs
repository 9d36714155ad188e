using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Gateway.Tests.Silo.Hosting;

/// <summary>
/// The container image and the compose deployment, checked as files (no container engine here): a non-root image with a
/// health check, gateways that form one cluster behind a load balancer that checks their readiness, restart on failure,
/// and a stop that drains before streams are cut. HAProxy and docker-compose validate their own files.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class ContainerPackagingTests
{
    private static readonly string Root = CommandLine.RepositoryRoot();
    private static readonly Dictionary<object, object> Compose = ReadCompose();
    private static readonly Dictionary<object, object> Services = Map(Compose["services"]);
    private static readonly List<string> Gateways = [.. Services.Keys.Cast<string>().Where(s => s.StartsWith("gateway", StringComparison.Ordinal))];

    [Fact]
    public void The_image_runs_as_an_unprivileged_user_and_checks_its_health_with_its_own_binary()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var stages = lines.Select((line, i) => (line, i)).Where(l => l.line.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.True(stages.Count >= 2, "the image is built in one stage and run from another");
        var runtime = lines[stages[^1].i..];
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:", runtime[0]);

        var user = Assert.Single(runtime, l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim();
        Assert.DoesNotMatch("^(root|0)(:.*)?$", user);
        Assert.True(runtime.IndexOf($"USER {user}") < runtime.FindIndex(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)), "USER comes before the entry point");
        var check = Assert.Single(runtime, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        Assert.EndsWith("CMD [\"dotnet\", \"Gateway.Silo.dll\", \"healthcheck\"]", check);
        Assert.DoesNotContain(runtime, l => Regex.IsMatch(l, @"\b(curl|wget|apt-get)\b"));
    }

    [Fact]
    public void Two_or_more_gateways_share_one_database_and_cluster_and_restart_with_a_health_check()
    {
        Assert.True(Gateways.Count >= 2, "at least two gateways");
        var environments = Gateways.Select(g => Environment(g)).ToList();
        Assert.Single(environments.Select(e => e["ConnectionStrings__Gateway"]).Distinct());
        Assert.Contains("Host=postgres;", environments[0]["ConnectionStrings__Gateway"]);
        Assert.Single(environments.Select(e => e["Gateway__Cluster__Id"]).Distinct());
        Assert.Single(environments.Select(e => e["GATEWAY_ENCRYPTION_KEY"]).Distinct());
        foreach (var name in Gateways)
        {
            var gateway = Map(Services[name]);
            Assert.Equal("unless-stopped", gateway["restart"]);
            Assert.Equal(name, gateway["hostname"]);
            Assert.Equal(name, Environment(name)["Gateway__Cluster__AdvertisedHost"]);
            Assert.Equal("service_healthy", Map(Map(gateway["depends_on"])["postgres"])["condition"]);
            Assert.Equal(["CMD", "dotnet", "Gateway.Silo.dll", "healthcheck"], List(Map(gateway["healthcheck"])["test"]));
            Assert.False(gateway.ContainsKey("ports"), $"{name} is reached through the load balancer only");
        }
        Assert.Equal("unless-stopped", Map(Services["postgres"])["restart"]);
        Assert.Contains("pg_isready", string.Join(' ', List(Map(Map(Services["postgres"])["healthcheck"])["test"])));
    }

    [Fact]
    public void The_load_balancer_sends_requests_only_to_ready_gateways_and_leaves_streams_time()
    {
        var balancer = Map(Services["loadbalancer"]);
        Assert.StartsWith("haproxy:", (string)balancer["image"]);
        Assert.Equal("unless-stopped", balancer["restart"]);
        Assert.Equal(["8080:8080"], List(balancer["ports"]));
        Assert.Contains("./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro", List(balancer["volumes"]));

        var config = File.ReadAllText(Path.Combine(Root, "deploy", "haproxy.cfg"));
        Assert.Matches(@"http-check send meth GET uri /readyz", config);
        Assert.Matches(@"http-check expect status 200", config);
        foreach (var name in Gateways)
        {
            Assert.Matches($@"server {name} {name}:8080 check", config);
        }
        Assert.Equal(Gateways.Count, ServerLine().Matches(config).Count);
        // A streamed answer may last the gateway's longest request (Gateway:Routing:MaxRequestDuration, 20 min).
        Assert.True(Duration(Setting(config, "timeout server")) >= TimeSpan.FromMinutes(20));
        Assert.True(Duration(Setting(config, "timeout client")) >= TimeSpan.FromMinutes(20));
    }

    [Fact]
    public void A_stopping_gateway_leaves_the_balancer_while_it_still_serves_and_streams_end_before_docker_kills_it()
    {
        var config = File.ReadAllText(Path.Combine(Root, "deploy", "haproxy.cfg"));
        var checks = DefaultServer().Match(config);
        Assert.True(checks.Success, "default-server sets the check pace");
        var outAfter = Duration(checks.Groups["inter"].Value) * int.Parse(checks.Groups["fall"].Value, CultureInfo.InvariantCulture);
        foreach (var name in Gateways)
        {
            var environment = Environment(name);
            var drain = TimeSpan.Parse(environment["Gateway__Shutdown__DrainDelay"], CultureInfo.InvariantCulture);
            var shutdown = TimeSpan.FromSeconds(int.Parse(environment["DOTNET_SHUTDOWNTIMEOUTSECONDS"], CultureInfo.InvariantCulture));
            var grace = Duration((string)Map(Services[name])["stop_grace_period"]);
            Assert.True(outAfter * 2 <= drain, $"{name}: out of the balancer after {outAfter}, twice within the drain delay {drain}");
            Assert.True(shutdown - drain >= TimeSpan.FromMinutes(4), $"{name}: streams in flight get {shutdown - drain} after the drain");
            Assert.True(grace > shutdown, $"{name}: docker waits {grace}, longer than the gateway's shutdown ({shutdown})");
        }
    }

    [Fact]
    public async Task HAProxy_accepts_its_configuration()
    {
        var run = await CommandLine.RunAsync("haproxy", ["-c", "-f", Path.Combine(Root, "deploy", "haproxy.cfg")]);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Configuration file is valid", run.Output);
    }

    [Fact]
    public async Task Docker_compose_accepts_the_file_and_merges_the_gateways_settings()
    {
        var run = await CommandLine.RunAsync("docker-compose", ["-f", Path.Combine(Root, "docker-compose.yml"), "config"],
            new Dictionary<string, string> { ["GATEWAY_ADMIN_TOKEN"] = "gwa_compose_check", ["GATEWAY_ENCRYPTION_KEY"] = "a2V5" }, Root);
        Assert.True(run.ExitCode == 0, run.Output);
        var resolved = Map(Map(new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(run.Output)["services"])["gateway2"]);
        Assert.Equal("320s", resolved["stop_grace_period"]);
        Assert.Equal("gateway2", Map(resolved["environment"])["Gateway__Cluster__AdvertisedHost"]);
    }

    private static Dictionary<object, object> ReadCompose()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Root, "docker-compose.yml")));
        // The gateways share their settings through a YAML anchor and merge keys (<<).
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
    }

    private static Dictionary<string, string> Environment(string service) =>
        Map(Map(Services[service])["environment"]).ToDictionary(e => (string)e.Key, e => (string)e.Value);

    private static Dictionary<object, object> Map(object value) => Assert.IsType<Dictionary<object, object>>(value);

    private static List<string> List(object value) => [.. Assert.IsType<List<object>>(value).Cast<string>()];

    private static string Setting(string config, string name) =>
        Regex.Match(config, $@"^\s*{Regex.Escape(name)}\s+(\S+)", RegexOptions.Multiline) is { Success: true } match ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException($"haproxy.cfg sets no {name}");

    /// <summary>A duration as compose (<c>320s</c>, <c>1m30s</c>) and HAProxy (<c>2s</c>, <c>20m</c>) write it.</summary>
    private static TimeSpan Duration(string text)
    {
        var parts = DurationPart().Matches(text);
        Assert.True(parts.Count > 0 && string.Concat(parts.Select(p => p.Value)) == text, $"'{text}' is not a duration");
        return parts.Aggregate(TimeSpan.Zero, (sum, p) => sum + double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture) * p.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(1),
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            _ => throw new FormatException(text),
        });
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h)")]
    private static partial Regex DurationPart();

    [GeneratedRegex(@"^\s*server\s", RegexOptions.Multiline)]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"default-server\s.*\binter (?<inter>\S+).*\bfall (?<fall>\d+)")]
    private static partial Regex DefaultServer();
}
