using System.Collections.Immutable;

namespace Gateway.Grains.Common;

/// <summary>
/// The chargeback metadata a request's admins set, one layer per scope, and the one place their precedence is written:
/// key (or signed-in user) over routing config over workspace over what the request itself sends. Whatever admits a
/// request (a key, a user) builds one; the data plane layers the request's own metadata under it with <see cref="Over"/>.
/// </summary>
/// <param name="Workspace">The workspace's <c>metadata</c>.</param>
/// <param name="Config">The routing config's <c>metadata</c> (empty when the request's route is no named config).</param>
/// <param name="Owner">The key's <c>metadata</c>, or the signed-in user's (claims and rules).</param>
[GenerateSerializer, Immutable]
public sealed record MetadataLayers(
    [property: Id(0)] ImmutableDictionary<string, string> Workspace,
    [property: Id(1)] ImmutableDictionary<string, string> Config,
    [property: Id(2)] ImmutableDictionary<string, string> Owner)
{
    public static readonly MetadataLayers None = new(
        ImmutableDictionary<string, string>.Empty, ImmutableDictionary<string, string>.Empty, ImmutableDictionary<string, string>.Empty);

    /// <summary>
    /// The metadata a request carries: <paramref name="request"/> (its headers), then the workspace's, the config's and the
    /// owner's entries, each replacing the same key of the layers before it.
    /// </summary>
    public ImmutableDictionary<string, string> Over(ImmutableDictionary<string, string> request)
    {
        var layered = request;
        foreach (var layer in (ReadOnlySpan<ImmutableDictionary<string, string>>)[Workspace, Config, Owner])
        {
            layered = layered.IsEmpty ? layer : layer.IsEmpty ? layered : layered.SetItems(layer);
        }
        return layered;
    }
}
