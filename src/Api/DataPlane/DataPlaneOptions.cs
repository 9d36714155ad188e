namespace Gateway.Api.DataPlane;

/// <summary>Data-plane limits (configuration section <c>Gateway:DataPlane</c>).</summary>
public sealed class DataPlaneOptions
{
    public const string Section = "Gateway:DataPlane";

    /// <summary>Largest request body accepted (Anthropic's own limit for the Messages API is 32 MB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Largest non-streaming provider response relayed.</summary>
    public long MaxResponseBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Whether provider connections may reach link-local addresses (where clouds serve instance metadata).</summary>
    public bool AllowLinkLocalProviders { get; set; }
}
