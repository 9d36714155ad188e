using System.Net;
using System.Net.Sockets;

namespace Gateway.Api.Providers;

/// <summary>
/// Where provider connections may not point: link-local addresses (169.254.0.0/16, fe80::/10), where clouds serve
/// instance metadata and credentials (169.254.169.254, fd00:ec2::254, metadata.google.internal). An admin token
/// must not become a way to read the gateway host's cloud credentials. <c>Gateway:DataPlane:AllowLinkLocalProviders</c>
/// lifts it for deployments that really proxy through such an address.
/// </summary>
public static class ProviderAddresses
{
    private static readonly IPAddress AwsMetadataV6 = IPAddress.Parse("fd00:ec2::254");

    private static readonly HashSet<string> MetadataHosts = new(StringComparer.OrdinalIgnoreCase) { "metadata.google.internal", "metadata", "instance-data" };

    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return address.AddressFamily == AddressFamily.InterNetwork
            ? address.GetAddressBytes() is [169, 254, _, _]
            : address.IsIPv6LinkLocal || address.Equals(AwsMetadataV6);
    }

    /// <summary>Why <paramref name="url"/> may not be a provider address (null when it may), from its host alone.</summary>
    public static string? Check(string? url)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }
        if (MetadataHosts.Contains(uri.IdnHost) || IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal) && IsForbidden(literal))
        {
            return "must not point at a link-local or cloud metadata address";
        }
        return null;
    }

    /// <summary>
    /// Connects to a provider, refusing every forbidden address a name resolves to (so a DNS name cannot lead there
    /// either); the first allowed address that answers is used.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowLinkLocal, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = allowLinkLocal ? addresses : [.. addresses.Where(a => !IsForbidden(a))];
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"{host} resolves only to link-local addresses, which providers may not use.");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
