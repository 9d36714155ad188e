namespace Gateway.Projections.Logs;

/// <summary><c>Gateway:Logs</c>: how the body writer queues and batches requests' bodies, and how often retention sweeps.</summary>
public sealed class BodyLogOptions
{
    public const string Section = "Gateway:Logs";

    /// <summary>Requests whose bodies may wait for the writer; beyond this their bodies are dropped (usage is not).</summary>
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>Bytes of bodies that may wait for the writer; beyond this, bodies are dropped (usage is not).</summary>
    public long QueueBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// How long the body writer waits for more requests' bodies before writing a batch that is not full: fewer,
    /// larger transactions under light load, at the cost of bodies reaching the log this much later. Zero: no wait.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often expired bodies are removed.</summary>
    public TimeSpan RetentionSweepInterval { get; set; } = TimeSpan.FromMinutes(10);
}
