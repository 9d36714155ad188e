using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Gateway.Fakes;
using Gateway.Silo.Database;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// PostgreSQL frozen (SIGSTOP) under load: requests in flight wait a bounded time, new ones are refused with 503
/// <c>overloaded_error</c> and <c>retry-after</c> before any provider is called, <c>/readyz</c> says unready, nothing is
/// answered without its usage record, and the gateway serves again once the database answers — without a restart.
/// </summary>
public sealed class FrozenDatabaseTests : IAsyncLifetime
{
    private const int SIGSTOP = 19;
    private const int SIGCONT = 18;
    private static readonly TimeSpan FreezeFor = TimeSpan.FromSeconds(30);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"gateway-frozen-{Guid.NewGuid():N}");
    private FakeAnthropic _fake = null!;
    private EmbeddedPostgres _postgres = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAnthropic.StartAsync();
        _postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions(_dataDirectory) { Durable = false }, NullLogger.Instance);
    }

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        await _fake.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover under /tmp is harmless.
        }
        PostgresCluster.SweepOrphans(NullLogger.Instance);
    }

    [Fact]
    public async Task A_frozen_database_bounds_every_wait_refuses_new_requests_before_the_provider_and_loses_no_record()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(_postgres.ConnectionString, clusterId: "frozen");
        var baseUrl = GatewayFixture.Address(gateway);
        var (_, secret) = await StandaloneTenant.CreateAsync(baseUrl, GatewayFixture.AdminToken, _fake, "frozen");
        using var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(90) };
        using (var warm = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody("warm up"))))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var results = new ConcurrentBag<Result>();
        var clock = Stopwatch.StartNew();
        using var stopLoad = new CancellationTokenSource();
        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => LoadAsync(client, secret, clock, results, stopLoad.Token)));
        await Task.Delay(TimeSpan.FromSeconds(1));

        var frozenAt = clock.Elapsed;
        var frozen = Freeze();
        HttpStatusCode readyWhileFrozen;
        try
        {
            await Task.Delay(FreezeFor / 2);
            using var ready = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
            readyWhileFrozen = (await ready.GetAsync("/readyz")).StatusCode;
            await Task.Delay(FreezeFor / 2);
        }
        finally
        {
            Thaw(frozen);
        }
        var thawedAt = clock.Elapsed;

        // Serves again without a restart.
        var recovered = await Processes.WaitUntilAsync(() => results.Any(r => r.Status == HttpStatusCode.OK && r.StartedAt > thawedAt), TimeSpan.FromSeconds(60));
        await stopLoad.CancelAsync();
        await load;
        Assert.True(recovered, "no request was answered within 60 s of the database coming back");
        var recoveredAfter = results.Where(r => r.Status == HttpStatusCode.OK && r.StartedAt > thawedAt).Min(r => r.StartedAt + r.Took) - thawedAt;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyWhileFrozen);
        Assert.All(results, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{r.Status}: {r.Error}"));
        Assert.All(results.Where(r => r.Status == HttpStatusCode.ServiceUnavailable), r => Assert.Equal("overloaded_error", r.Error));
        // Every wait is bounded: the commit gives up after Gateway:Ledger:MaxCommitWait (10 s), with slack for a busy machine.
        var longest = results.Max(r => r.Took);
        Assert.True(longest < TimeSpan.FromSeconds(22), $"a request waited {longest.TotalSeconds:F1} s (frozen at {frozenAt.TotalSeconds:F1} s): " +
            string.Join("; ", results.Where(r => r.Took > TimeSpan.FromSeconds(12)).Select(r => $"{r.StartedAt.TotalSeconds:F1}+{r.Took.TotalSeconds:F1} {r.Status} {r.Error}")));
        // Once the stall is known (2 s in), requests are refused before any provider call, at once.
        var refusedEarly = results.Where(r => r.StartedAt > frozenAt + TimeSpan.FromSeconds(4) && r.StartedAt < thawedAt - TimeSpan.FromSeconds(1)).ToList();
        Assert.NotEmpty(refusedEarly);
        Assert.All(refusedEarly, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status));
        var reachedProvider = _fake.Requests.Select(q => q.BodyText).ToHashSet();
        Assert.All(refusedEarly, r => Assert.DoesNotContain(reachedProvider, body => body.Contains(r.Marker, StringComparison.Ordinal)));
        // Nothing answered without its record.
        var answered = results.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.RequestId!).ToList();
        var recorded = await LedgerQueries.RecordedAsync(_postgres.ConnectionString, answered);
        Assert.Empty(answered.Except(recorded));

        var summary = $"frozen {FreezeFor.TotalSeconds:F0} s: {results.Count} requests, {answered.Count} answered, " +
                      $"{results.Count(r => r.Status == HttpStatusCode.ServiceUnavailable)} refused with 503, longest wait {longest.TotalSeconds:F1} s, " +
                      $"records lost 0, recovered {recoveredAfter.TotalSeconds:F1} s after the database came back";
        Console.WriteLine(summary);
    }

    private static async Task LoadAsync(HttpClient client, string secret, Stopwatch clock, ConcurrentBag<Result> results, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var marker = Guid.NewGuid().ToString("N");
            var started = clock.Elapsed;
            try
            {
                using var response = await client.SendAsync(Requests.Messages(secret, Requests.MessagesBody($"[delay:20][words:20] {marker}", stream: false)));
                var took = clock.Elapsed - started;
                string? error = null;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    error = (await AnthropicError.ReadAsync(response)).Type;
                    Assert.True(response.Headers.Contains("retry-after") || response.StatusCode != HttpStatusCode.ServiceUnavailable, "a 503 without retry-after");
                    await Task.Delay(50);
                }
                results.Add(new Result(marker, started, took, response.StatusCode, Requests.RequestId(response), error));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                results.Add(new Result(marker, started, clock.Elapsed - started, 0, null, e.GetType().Name));
            }
        }
    }

    /// <summary>SIGSTOPs the server: its postmaster first (no new backends), then every backend.</summary>
    private List<int> Freeze()
    {
        var postmaster = Processes.PostgresServing(_postgres.ClusterDirectory).Single(pid => ParentOf(pid) is not { } parent
            || !Processes.PostgresServing(_postgres.ClusterDirectory).Contains(parent));
        var frozen = new List<int> { postmaster };
        Posix.Signal(postmaster, SIGSTOP);
        foreach (var child in ChildrenOf(postmaster))
        {
            Posix.Signal(child, SIGSTOP);
            frozen.Add(child);
        }
        return frozen;
    }

    private static void Thaw(List<int> frozen)
    {
        foreach (var pid in Enumerable.Reverse(frozen))
        {
            Posix.Signal(pid, SIGCONT);
        }
    }

    private static IEnumerable<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent).ToList();

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // pid (comm) state ppid …; comm may hold spaces, so read after its closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private sealed record Result(string Marker, TimeSpan StartedAt, TimeSpan Took, HttpStatusCode Status, string? RequestId, string? Error);
}
