using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Silo.Hosting;

/// <summary>
/// The host's configuration, read once at start. Environment variables use <c>__</c> for <c>:</c>
/// (e.g. <c>Gateway__Cluster__SiloPort</c>).
/// </summary>
public sealed record GatewaySettings
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary><c>ConnectionStrings:Gateway</c>; null means "run the embedded PostgreSQL".</summary>
    public string? ConnectionString { get; init; }

    /// <summary>True when the host runs its own PostgreSQL (no connection string was configured).</summary>
    public bool EmbeddedDatabase { get; init; }

    /// <summary><c>GATEWAY_DATA_DIR</c> (default <c>./.data</c>): embedded database, generated keys.</summary>
    public required string DataDirectory { get; init; }

    /// <summary><c>Gateway:Cluster:Id</c>: processes with the same id and database form one cluster.</summary>
    public string ClusterId { get; init; } = "gateway";

    /// <summary><c>Gateway:Cluster:SiloPort</c>: Orleans' silo-to-silo port; 0 picks a free one.</summary>
    public int SiloPort { get; init; }

    /// <summary><c>Gateway:Cluster:AdvertisedHost</c>: the address other silos reach this one at.</summary>
    public string AdvertisedHost { get; init; } = "127.0.0.1";

    /// <summary>
    /// <c>Gateway:Projections:Run</c> (default true): whether this process stands for running the read side's
    /// projections (one process of the cluster runs them). False keeps a request-serving process out of it, so the
    /// projections run on the processes that have it on.
    /// </summary>
    public bool RunsProjections { get; init; } = true;

    /// <exception cref="InvalidOperationException">A setting that cannot be read, named (the process does not start).</exception>
    public static GatewaySettings Read(IConfiguration configuration) => new()
    {
        RunsProjections = Flag(configuration, "Gateway:Projections:Run", true),
        ConnectionString = configuration.GetConnectionString("Gateway") is { Length: > 0 } cs ? cs : null,
        DataDirectory = configuration["GATEWAY_DATA_DIR"] is { Length: > 0 } dir ? dir : ".data",
        ClusterId = ClusterIdOf(configuration["Gateway:Cluster:Id"]),
        SiloPort = Port(configuration["Gateway:Cluster:SiloPort"]),
        AdvertisedHost = configuration["Gateway:Cluster:AdvertisedHost"] is { Length: > 0 } host ? host : "127.0.0.1",
    };

    private static int Port(string? value) => value is null or ""
        ? 0
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new InvalidOperationException($"Gateway:Cluster:SiloPort: '{value}' is not a port (0 to 65535; 0 picks a free one).");

    private static bool Flag(IConfiguration configuration, string key, bool absent) => configuration[key] is not { Length: > 0 } value
        ? absent
        : bool.TryParse(value, out var flag) ? flag : throw new InvalidOperationException($"{key}: '{value}' is not true or false.");

    private static string ClusterIdOf(string? value) => value is null or ""
        ? "gateway"
        : value.Length <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? value
            : throw new InvalidOperationException($"Gateway:Cluster:Id: at most 64 letters, digits, '-', '_' or '.' (got '{value}').");

    /// <summary>The advertised address as an IPv4 address (host names are resolved).</summary>
    public IPAddress AdvertisedAddress() => IPAddress.TryParse(AdvertisedHost, out var ip)
        ? ip
        : Dns.GetHostAddresses(AdvertisedHost).First(a => a.AddressFamily == AddressFamily.InterNetwork);

    /// <summary>The silo port, choosing a free one when none is configured (so several processes share a machine).</summary>
    public int ResolveSiloPort()
    {
        if (SiloPort != 0)
        {
            return SiloPort;
        }
        using var listener = new TcpListener(AdvertisedAddress(), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
