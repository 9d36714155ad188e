using System.Runtime.InteropServices;
using Gateway.Fakes;

// Usage: Gateway.Bench fake-upstream [--port N] [--api-key K]
//   Runs a fake Anthropic Messages API (JSON and SSE) until it gets SIGINT or SIGTERM.
// Usage: Gateway.Bench ledger [--connection CS] [--seconds N] [--writers N]
//   Measures usage events per second into PostgreSQL (see LedgerBench).
if (args.Length > 0 && args[0] == "ledger" && !OperatingSystem.IsWindows())
{
    return await Gateway.Bench.LedgerBench.RunAsync(Option("--connection"),
        int.Parse(Option("--seconds") ?? "10", System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(Option("--writers") ?? "256", System.Globalization.CultureInfo.InvariantCulture));
}
// Usage: Gateway.Bench reports [--connection CS] [--rows N] [--queries N] [--rate N] [--rate-seconds N]
//   Measures log, full-text and chargeback queries over N logged requests, and projection lag (see ReportsBench).
if (args.Length > 0 && args[0] == "reports" && !OperatingSystem.IsWindows())
{
    return await Gateway.Bench.ReportsBench.RunAsync(Option("--connection"),
        int.Parse(Option("--rows") ?? "1000000", System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(Option("--queries") ?? "200", System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(Option("--rate") ?? "2000", System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(Option("--rate-seconds") ?? "60", System.Globalization.CultureInfo.InvariantCulture));
}
// Usage: Gateway.Bench console [--connection CS] [--rows N] [--calls N]
//   Times every list query of the console's screens over N logged requests and checks none scans a large table (see ConsoleBench).
if (args.Length > 0 && args[0] == "console" && !OperatingSystem.IsWindows())
{
    return await Gateway.Bench.ConsoleBench.RunAsync(Option("--connection"),
        int.Parse(Option("--rows") ?? "1000000", System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(Option("--calls") ?? "20", System.Globalization.CultureInfo.InvariantCulture));
}
// Usage: Gateway.Bench ttfb [--connection CS] [--requests N] [--warmup N]
//   Measures time to first byte of streamed answers: Bedrock translation vs Anthropic pass-through (see TtfbBench).
if (args.Length > 0 && args[0] == "ttfb" && !OperatingSystem.IsWindows())
{
    return await Gateway.Bench.TtfbBench.RunAsync(Option("--connection"),
        int.Parse(Option("--requests") ?? "2000", System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(Option("--warmup") ?? "1000", System.Globalization.CultureInfo.InvariantCulture));
}
if (args.Length == 0 || args[0] != "fake-upstream")
{
    Console.Error.WriteLine("usage: Gateway.Bench fake-upstream [--port N] [--api-key K] | ledger [--connection CS] [--seconds N] [--writers N]" +
        " | reports [--connection CS] [--rows N] [--queries N] [--rate N] [--rate-seconds N] | console [--connection CS] [--rows N] [--calls N] | ttfb [--connection CS] [--requests N] [--warmup N]");
    return 2;
}
var port = Option("--port") is { } p ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : 0;
var options = new FakeAnthropicOptions
{
    ApiKey = Option("--api-key") ?? new FakeAnthropicOptions().ApiKey,
    Record = false,
    FixedText = "Hello! This is a fixed answer from the benchmark's fake upstream, about twenty tokens long in all.",
};
await using var fake = await FakeAnthropic.StartAsync(options, port);
Console.WriteLine($"fake-upstream listening on {fake.BaseUrl}");
// SIGINT and SIGTERM both end the wait (the web host's own console lifetime would only stop Kestrel on
// SIGTERM and leave this process waiting). The source is not disposed: a late signal may still cancel it.
var stop = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Stopping is the normal end.
}
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
