using Gateway.Silo.Database;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Bench;

/// <summary>
/// The PostgreSQL a benchmark runs on: the one given with <c>--connection</c>, or its own embedded server (durable
/// settings, fsync on) in a temporary folder that is removed afterwards.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly EmbeddedPostgres? _embedded;
    private readonly string? _folder;

    private BenchDatabase(string connectionString, EmbeddedPostgres? embedded, string? folder)
    {
        ConnectionString = connectionString;
        _embedded = embedded;
        _folder = folder;
    }

    public string ConnectionString { get; }

    /// <summary>For the benchmark's header line.</summary>
    public string Description => _embedded is null ? "from --connection" : "embedded, fsync on";

    public static async Task<BenchDatabase> OpenAsync(string? connection, string name)
    {
        if (connection is not null)
        {
            return new BenchDatabase(connection, null, null);
        }
        var folder = Path.Combine(Path.GetTempPath(), $"gateway-{name}-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        var embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions(folder), NullLogger.Instance);
        return new BenchDatabase(embedded.ConnectionString, embedded, folder);
    }

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
            Directory.Delete(_folder!, recursive: true);
        }
    }

    /// <summary>The <paramref name="p"/> quantile of already sorted values (0 when there are none).</summary>
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
