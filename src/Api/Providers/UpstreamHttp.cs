using System.Diagnostics;
using System.Net;

namespace Gateway.Api.Providers;

/// <summary>
/// The one HTTP connection pool to providers. No automatic decompression (the gateway must read usage, so it
/// never asks for compressed bodies), no redirects, no cookies, and no trace headers: nothing reaches the
/// provider that the client did not send. Link-local addresses are refused (<see cref="ProviderAddresses"/>).
/// </summary>
public sealed class UpstreamHttp : IDisposable
{
    /// <param name="allowLinkLocal"><c>Gateway:DataPlane:AllowLinkLocalProviders</c>.</param>
    public UpstreamHttp(bool allowLinkLocal)
    {
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = (context, cancellationToken) => ProviderAddresses.ConnectAsync(context, allowLinkLocal, cancellationToken),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            // Traced (a span per provider call, under its attempt's) but propagated nowhere: no traceparent header.
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        });
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}
