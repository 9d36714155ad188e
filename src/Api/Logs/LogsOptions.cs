namespace Gateway.Api.Logs;

/// <summary><c>Gateway:Logs</c>: what the proxy captures of a request's bodies (the writer's settings are <c>BodyLogOptions</c>).</summary>
public sealed class LogsOptions
{
    public const string Section = "Gateway:Logs";

    /// <summary>Largest request or response body stored; a larger one is logged without it (and says so).</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;
}
