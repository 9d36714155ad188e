namespace Gateway.Projections.Ledger;

/// <summary><c>Gateway:Ledger</c>: how usage events are group-committed.</summary>
public sealed class LedgerOptions
{
    public const string Section = "Gateway:Ledger";

    /// <summary>Most events in one transaction; whatever is waiting when a commit ends goes into the next.</summary>
    public int MaxBatch { get; set; } = 500;

    /// <summary>
    /// Writers working at once, each with its own stream and connection. More overlap commits (the ledger benchmark
    /// gains from 3 at 256 concurrent requests), but on a small machine shared with the gateway one writer with
    /// bigger batches costs less CPU per request.
    /// </summary>
    public int Writers { get; set; } = 1;

    /// <summary>Attempts at one batch before its requests are told the ledger is unavailable.</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>
    /// A commit taking longer than this marks the ledger stalled: new requests are refused (503) before any provider is
    /// called, while the commit goes on. (A commit takes about a millisecond; a checkpoint's flush, rarely, a second.)
    /// </summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest one attempt at a batch may take before it is cancelled (the database not answering).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Longest a request waits for its usage to be committed, over every attempt; then its answer is withheld (503).</summary>
    public TimeSpan MaxCommitWait { get; set; } = TimeSpan.FromSeconds(10);
}
