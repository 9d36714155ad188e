namespace Gateway.Api.Logs;

/// <summary>One try at a provider, as a log entry's <c>attempts</c> lists it.</summary>
public sealed record LogAttempt(string? Provider, string? Model, int Status, string Outcome, string? ErrorType, double LatencyMs);
