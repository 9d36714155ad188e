using System.Net;

namespace Gateway.Api.DataPlane;

/// <summary>
/// The one HTTP connection pool to providers. No automatic decompression (the gateway must read usage, so it
/// never asks for compressed bodies), no redirects, no cookies, and no trace headers: nothing reaches the
/// provider that the client did not send.
/// </summary>
public sealed class UpstreamHttp : IDisposable
{
    public UpstreamHttp()
    {
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        });
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}
