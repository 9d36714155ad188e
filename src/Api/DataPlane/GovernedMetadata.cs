using System.Collections.Immutable;
using Gateway.Grains.Keys;
using Gateway.Projections.Usage;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>
/// The metadata an admitted request is recorded with: what it sends (<c>x-gateway-metadata</c>, and the headers its workspace
/// maps, which win over it) layered under its admins' (<see cref="Gateway.Grains.Common.MetadataLayers"/>), then checked
/// against its workspace's <c>required_metadata</c>. Applies alike to every front and endpoint, count_tokens included.
/// </summary>
public static class GovernedMetadata
{
    /// <summary>
    /// False with a problem (a 400 to refuse with) when a mapped header's value cannot be recorded, when the request's own
    /// metadata does not fit the limits together with its admins', or when a required key is missing or blank;
    /// <paramref name="metadata"/> is then what the refusal is recorded with.
    /// </summary>
    public static bool TryLayer(HttpRequest request, ImmutableDictionary<string, string> sent, AdmittedRequest admitted,
        out ImmutableDictionary<string, string> metadata, out string? problem)
    {
        metadata = admitted.Metadata;
        var policy = admitted.MetadataPolicy;
        if (!RequestMetadata.TryReadMapped(request, policy.Headers, out var mapped, out problem))
        {
            return false;
        }
        var own = mapped.IsEmpty ? sent : sent.SetItems(mapped);
        if (!own.IsEmpty)
        {
            var layered = admitted.MetadataLayers.Over(own);
            if (InputLimits.CheckMetadata(layered) is { } invalid)
            {
                // Each part is within the limits; together they are not. The refusal records the admins' metadata.
                var senders = policy.Headers.Where(h => mapped.ContainsKey(h.Value)).Select(h => h.Key).Order(StringComparer.Ordinal);
                problem = $"{string.Join(", ", sent.IsEmpty ? senders : senders.Append(RequestMetadata.Header))}: "
                    + $"together with the key's metadata (and its config's and workspace's), {invalid}.";
                return false;
            }
            metadata = layered;
        }
        // Admins' layers alone may exceed the limits (each within them); the record keeps what fits, so check that.
        var missing = policy.MissingFrom(InputLimits.Fit(metadata));
        if (missing.IsEmpty)
        {
            return true;
        }
        var names = string.Join(", ", missing.Select(key => $"'{key}'"));
        var headers = policy.Headers.Where(h => missing.Contains(h.Value)).Select(h => h.Key).Order(StringComparer.Ordinal).Prepend(RequestMetadata.Header);
        problem = $"metadata {names} {(missing.Length == 1 ? "is" : "are")} required by workspace '{admitted.Workspace}': "
            + $"set {(missing.Length == 1 ? "it" : "them")} on the key, its config or workspace, or send {(missing.Length == 1 ? "it" : "them")} in "
            + $"{string.Join(" or ", headers)}.";
        return false;
    }
}
