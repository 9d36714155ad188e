using System.Collections.Immutable;
using Gateway.Grains.Budgets;

namespace Gateway.Grains.Keys;

/// <summary>What <see cref="ApiKeyGrain"/> persists: the key's settings and the hashes of its secrets (never a secret).</summary>
public sealed class ApiKeyState
{
    private ImmutableDictionary<string, string>? _metadata;
    private ImmutableArray<string>? _models;

    public string Workspace { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Config { get; set; }
    public Dictionary<string, string> Metadata { get; set; } = [];
    public List<string>? Models { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public byte[] SecretHash { get; set; } = [];
    public string Hint { get; set; } = "";

    /// <summary>The secret before the last rotation, accepted until <see cref="PreviousSecretUntil"/>.</summary>
    public byte[]? PreviousSecretHash { get; set; }
    public DateTimeOffset? PreviousSecretUntil { get; set; }
    public DateTimeOffset? RotatedAt { get; set; }
    public Budget? Budget { get; set; }
    public RateLimits? RateLimits { get; set; }

    /// <summary>Forgets the immutable copies after a change.</summary>
    internal void Refresh()
    {
        _metadata = null;
        _models = null;
    }

    internal ImmutableDictionary<string, string> ImmutableMetadata => _metadata ??= Metadata.ToImmutableDictionary();

    internal ImmutableArray<string>? ImmutableModels => Models is null ? null : _models ??= [.. Models];
}
