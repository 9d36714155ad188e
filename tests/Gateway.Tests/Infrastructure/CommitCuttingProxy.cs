using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of PostgreSQL that, when armed, cuts a connection at the server's next ReadyForQuery
/// (<c>Z</c>, length 5) after the one that ends its startup, instead of passing it on: the server has committed, the client sees a broken
/// connection — the "did my commit happen?" case that retries must not turn into a second copy.
/// </summary>
public sealed class CommitCuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _host;
    private readonly int _port;
    private volatile bool _armed;

    public CommitCuttingProxy(string host, int port)
    {
        _host = host;
        _port = port;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections cut so far.</summary>
    public int Cuts { get; private set; }

    /// <summary>Cuts the next connection that receives a ReadyForQuery (once).</summary>
    public void Arm() => _armed = true;

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            await server.ConnectAsync(_host, _port);
            var clientStream = client.GetStream();
            var serverStream = server.GetStream();
            var upstream = clientStream.CopyToAsync(serverStream);
            var buffer = new byte[64 * 1024];
            var started = false;
            try
            {
                while (true)
                {
                    var read = await serverStream.ReadAsync(buffer);
                    if (read == 0)
                    {
                        break;
                    }
                    var ready = ContainsReadyForQuery(buffer.AsSpan(0, read));
                    if (ready && !started)
                    {
                        // The first ReadyForQuery ends the startup; a cut there would only make the client reconnect.
                        started = true;
                    }
                    else if (ready && _armed)
                    {
                        _armed = false;
                        Cuts++;
                        client.Client.LingerState = new LingerOption(true, 0);
                        return;
                    }
                    await clientStream.WriteAsync(buffer.AsMemory(0, read));
                }
            }
            catch (IOException)
            {
                // Either side went away: the relay ends with it.
            }
            await Task.WhenAny(upstream, Task.Delay(100));
        }
    }

    private static bool ContainsReadyForQuery(ReadOnlySpan<byte> data) => data.IndexOf("Z\0\0\0\u0005"u8) >= 0;
}
