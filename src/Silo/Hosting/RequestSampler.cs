using OpenTelemetry.Trace;

namespace Gateway.Silo.Hosting;

/// <summary>
/// Which spans are kept: a span with a parent follows its parent's decision (a client's <c>traceparent</c> included),
/// and only an incoming HTTP request starts a trace — so a trace is one request, and the database polling, the
/// ledger's background commits and the cluster's own messages make no traces of their own.
/// </summary>
internal sealed class RequestSampler(Sampler requests) : Sampler
{
    /// <summary>The name ASP.NET Core gives the activity of an incoming request.</summary>
    public const string IncomingRequest = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name == IncomingRequest ? requests.ShouldSample(samplingParameters) : Drop;

    /// <summary>
    /// The sampler the standard variables ask for: <c>OTEL_TRACES_SAMPLER</c> <c>always_on</c> (default),
    /// <c>always_off</c> or <c>traceidratio</c> (with <c>OTEL_TRACES_SAMPLER_ARG</c>, default 1), each also as
    /// <c>parentbased_*</c>: every one follows a parent's decision.
    /// </summary>
    /// <exception cref="InvalidOperationException">A sampler or ratio that cannot be read, named (the process does not start).</exception>
    public static Sampler FromConfiguration(IConfiguration configuration)
    {
        var name = configuration["OTEL_TRACES_SAMPLER"] is { Length: > 0 } set ? set.Trim().ToLowerInvariant() : "parentbased_always_on";
        Sampler requests = (name.StartsWith("parentbased_", StringComparison.Ordinal) ? name["parentbased_".Length..] : name) switch
        {
            "always_on" => new AlwaysOnSampler(),
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new TraceIdRatioBasedSampler(Ratio(configuration["OTEL_TRACES_SAMPLER_ARG"])),
            _ => throw new InvalidOperationException(
                $"OTEL_TRACES_SAMPLER: '{name}' is not always_on, always_off or traceidratio (each also as parentbased_…)."),
        };
        return new ParentBasedSampler(new RequestSampler(requests));
    }

    private static double Ratio(string? value) => value is null or ""
        ? 1
        : double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? ratio
            : throw new InvalidOperationException($"OTEL_TRACES_SAMPLER_ARG: '{value}' is not a ratio from 0 to 1.");
}
