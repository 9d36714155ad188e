using System.Globalization;
using Serilog;
using Serilog.Configuration;
using Serilog.Formatting.Compact;

namespace Gateway.Silo.Hosting;

/// <summary>
/// <c>Gateway:Logging:Format</c>: the console's log lines as text for a person (default) or as JSON for a log
/// collector — one object a line (Serilog's compact format: <c>@t</c>, <c>@m</c>, <c>@l</c>, <c>@x</c>, <c>@tr</c>/<c>@sp</c>
/// the trace and span, and every property, <c>RequestId</c> included while a request is served).
/// </summary>
internal static class ConsoleLog
{
    public const string FormatKey = "Gateway:Logging:Format";

    public static LoggerConfiguration WriteTo(LoggerSinkConfiguration sink, IConfiguration configuration) => Format(configuration) switch
    {
        "json" => sink.Console(new RenderedCompactJsonFormatter()),
        _ => sink.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
            formatProvider: CultureInfo.InvariantCulture),
    };

    /// <exception cref="InvalidOperationException">A format other than text or json, named (the process does not start).</exception>
    public static string Format(IConfiguration configuration) => configuration[FormatKey]?.Trim().ToLowerInvariant() switch
    {
        null or "" or "text" => "text",
        "json" => "json",
        _ => throw new InvalidOperationException($"{FormatKey}: '{configuration[FormatKey]}' is not text or json."),
    };
}
