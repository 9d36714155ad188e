namespace Gateway.Api.Providers.Vertex;

/// <summary>
/// A Vertex provider could not get an access token: its service-account JSON is unusable, or Google's token
/// endpoint refused it or could not be reached. Callers answer 502 "Provider could not obtain an access token".
/// The message names what is wrong and never contains key material.
/// </summary>
public sealed class VertexCredentialException(string message, int? tokenEndpointStatus = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The HTTP status the token endpoint answered, when it answered at all.</summary>
    public int? TokenEndpointStatus { get; } = tokenEndpointStatus;
}
