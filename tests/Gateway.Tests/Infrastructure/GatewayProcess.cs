using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway as its own process (<c>dotnet Gateway.Silo.dll</c>), as an operator runs it.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the gateway with the given environment (ConnectionStrings__Gateway is removed unless given, so a
    /// CI-wide database setting never leaks into a test of the embedded mode).
    /// </summary>
    /// <summary>The environment of a gateway process on <paramref name="connectionString"/> in a cluster of its own (named after <paramref name="name"/>).</summary>
    public static Dictionary<string, string> Environment(string connectionString, string adminToken, string name) => new()
    {
        ["ConnectionStrings__Gateway"] = connectionString,
        ["GATEWAY_ADMIN_TOKEN"] = adminToken,
        ["GATEWAY_ENCRYPTION_KEY"] = GatewayFixture.TestEncryptionKey,
        ["GATEWAY_DATA_DIR"] = Path.Combine(Path.GetTempPath(), $"gateway-{name}-keys"),
        ["Gateway__Cluster__Id"] = $"{name}-{Guid.NewGuid().ToString("N")[..8]}",
    };

    public static GatewayProcess Start(IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var silo = Path.Combine(AppContext.BaseDirectory, "Gateway.Silo.dll");
        // A process started in the background by a non-interactive shell inherits SIGINT as ignored, and
        // .NET keeps ignoring it; Ctrl+C must work here as in a terminal, so SIGINT is restored before exec.
        var start = new ProcessStartInfo("perl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!", "dotnet", silo, "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Remove("ConnectionStrings__Gateway");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The gateway did not start.");
        var gateway = new GatewayProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += gateway.Capture;
        process.ErrorDataReceived += gateway.Capture;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>Waits for <c>/readyz</c> to answer 200; returns how long it took.</summary>
    public async Task<TimeSpan> WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new Xunit.Sdk.XunitException($"The gateway exited with {_process.ExitCode} while starting:\n{Output}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUrl, "/readyz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return clock.Elapsed;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"The gateway was not ready within {timeout}:\n{Output}");
    }

    /// <summary>
    /// Waits for the process to end by itself and for its output to be read to the end (an exited process's last lines
    /// may still be on their way to <see cref="Output"/>); false when it is still running after <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> ExitedWithinAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Ctrl+C: SIGINT, then waits for the process to exit; returns its exit code.</summary>
    public async Task<int> InterruptAsync(TimeSpan timeout)
    {
        Assert.Equal(0, Kill(_process.Id, 2));
        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no chance to clean up.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill(_process.Id, 2);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Capture(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null)
        {
            lock (_output)
            {
                _output.AppendLine(e.Data);
            }
        }
    }

    /// <summary>
    /// A free port below Linux's ephemeral range (32768 and up): a port the OS hands out for "any port" is also
    /// what it gives outgoing connections, and one of the many the tests open took it before the gateway bound it.
    /// </summary>
    private static int FreePort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken; try another.
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
