namespace Gateway.Projections.Logs;

/// <summary>
/// A request's bodies waiting for the <see cref="BodyLogWriter"/>: captured on the request's path, turned into their
/// event (parsed, assembled, redacted) on the writer's, so nobody waits for that work.
/// </summary>
public interface IPendingBody
{
    string RequestId { get; }
    string? Workspace { get; }
    DateTimeOffset StartedAt { get; }

    /// <summary>The bytes held until written: what the writer's queue is bounded by.</summary>
    long Bytes { get; }

    /// <summary>Whether the workspace asks for redacted bodies (said even when the bodies cannot be read).</summary>
    bool Redacted { get; }

    /// <summary>The bodies' event; may throw when they cannot be read, and they are then logged as omitted.</summary>
    RequestContentRecorded ToEvent();
}
