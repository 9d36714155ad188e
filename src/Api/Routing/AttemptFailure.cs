using System.Collections.Immutable;
using Gateway.Api.Errors;
using Gateway.Api.Providers;
using Gateway.Projections.Usage;

namespace Gateway.Api.Routing;

/// <summary>A try at a provider target that failed before anything reached the client, so the route may go on.</summary>
/// <param name="Error">What the client gets when this failure is the last one.</param>
/// <param name="Outcome">The try's outcome in the usage event (<see cref="UsageOutcomes"/>).</param>
/// <param name="RawStatus">The provider's own status (0 when there was no answer).</param>
/// <param name="Transport">Connection failure, timeout or broken answer: always worth another target.</param>
/// <param name="TargetFault">Counts against the target's circuit.</param>
/// <param name="NotServed">The target cannot serve this request at all (no such provider or model): move on, never retry.</param>
/// <param name="RetryAfter">The wait the provider asked for before another try, when it said.</param>
/// <param name="RetryHeaders">The provider's retry headers, relayed with the error the client finally gets.</param>
/// <param name="Body">The provider's error body, for the request log when this failure is the one the client gets.</param>
public sealed record AttemptFailure(
    ProviderError Error,
    string Outcome,
    int RawStatus,
    bool Transport,
    bool TargetFault,
    bool NotServed,
    TimeSpan? RetryAfter,
    IReadOnlyList<(string Name, string[] Values)> RetryHeaders,
    byte[]? Body = null)
{
    /// <summary>The provider could not be reached, did not answer in time or sent something broken.</summary>
    public static AttemptFailure TransportFault(int status, string outcome, string message) =>
        new(new ProviderError(status, AnthropicErrors.TypeFor(status), message), outcome, 0, Transport: true, TargetFault: true, NotServed: false, RetryAfter: null, RetryHeaders: []);

    /// <summary>The route names a provider or model this request cannot be sent to.</summary>
    public static AttemptFailure Unserved(string message) =>
        new(new ProviderError(404, AnthropicErrors.TypeFor(404), message), UsageOutcomes.Refused, 0, Transport: false,
            TargetFault: false, NotServed: true, RetryAfter: null, RetryHeaders: []);

    /// <summary>
    /// The provider answered with an error status. Its 5xx counts against it, and so does a mapped 5xx other than
    /// 501 (a 501 says the gateway asked for something the provider does not do, not that it is unwell).
    /// </summary>
    public static AttemptFailure Answered(ProviderError error, int rawStatus, TimeSpan? retryAfter,
        IReadOnlyList<(string Name, string[] Values)> retryHeaders, byte[]? body) =>
        new(error, UsageOutcomes.ProviderError, rawStatus, Transport: false,
            TargetFault: rawStatus >= 500 || error.Status >= 500 && error.Status != 501, NotServed: false, retryAfter, retryHeaders, body);

    /// <summary>The provider's stream began with an exception: nothing has reached the client yet.</summary>
    public static AttemptFailure RefusedStream(ProviderError error) =>
        new(error, UsageOutcomes.ProviderError, error.Status, Transport: false,
            TargetFault: error.Status >= 500, NotServed: false, RetryAfter: null, RetryHeaders: []);

    /// <summary>Whether the failure is one of <paramref name="statuses"/>, by the provider's status or the mapped one.</summary>
    public bool HasStatusIn(ImmutableArray<int> statuses) => statuses.Contains(RawStatus) || statuses.Contains(Error.Status);
}
