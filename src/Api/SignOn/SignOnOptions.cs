namespace Gateway.Api.SignOn;

/// <summary>Sign-on with identity providers' tokens (configuration section <c>Gateway:Identity</c>).</summary>
public sealed class SignOnOptions
{
    public const string Section = "Gateway:Identity";

    /// <summary>
    /// Whether identity providers may be registered with a plain <c>http://</c> issuer (their discovery document and keys
    /// fetched without TLS). Only for local test issuers; production issuers must be https.
    /// </summary>
    public bool AllowHttpIssuers { get; set; }

    /// <summary>How far a token's <c>exp</c> and <c>nbf</c> may be off the gateway's clock.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The least time between two fetches of an issuer's keys forced by tokens signed with a key it does not know (at least 1 s).</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest bearer token read as a JWT; a longer one is refused unread.</summary>
    public int MaxTokenBytes { get; set; } = 16 * 1024;
}
