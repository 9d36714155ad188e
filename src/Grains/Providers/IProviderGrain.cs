using System.Collections.Immutable;

namespace Gateway.Grains.Providers;

/// <summary>
/// A provider connection (Anthropic direct, AWS Bedrock or Google Vertex AI): where to send requests and the
/// credential to send them with, kept encrypted at rest and never shown back to an admin.
/// </summary>
public interface IProviderGrain : IGrainWithStringKey
{
    /// <summary>Creates the connection; fails with 409 when the slug is taken.</summary>
    Task<ProviderView> CreateAsync(ProviderDraft draft);

    /// <summary>The connection without secrets, or null.</summary>
    [ReadOnly]
    Task<ProviderView?> GetAsync();

    /// <summary>Changes the fields the patch sets (new credentials replace the old ones).</summary>
    Task<ProviderView> UpdateAsync(ProviderPatch patch);

    /// <summary>Deletes the connection; routes naming it stop resolving.</summary>
    Task DeleteAsync();

    /// <summary>
    /// Everything the front needs to call the provider, the credential still encrypted (it crosses the cluster
    /// network; every process holds the key to open it); null when deleted.
    /// </summary>
    [ReadOnly]
    Task<SealedProviderConnection?> GetConnectionAsync();
}

/// <summary>Provider kinds the gateway speaks.</summary>
public static class ProviderKinds
{
    public const string Anthropic = "anthropic";
    public const string Bedrock = "bedrock";
    public const string Vertex = "vertex";
}

/// <summary>What an admin asks for when creating a provider connection.</summary>
[GenerateSerializer, Immutable]
public sealed record ProviderDraft(
    [property: Id(0)] string Kind,
    [property: Id(1)] string? BaseUrl,
    [property: Id(2)] ImmutableDictionary<string, string> Credentials,
    [property: Id(3)] string? Region,
    [property: Id(4)] string? Project,
    [property: Id(5)] ImmutableArray<string>? Models,
    [property: Id(6)] ImmutableArray<string>? Workspaces,
    [property: Id(7)] string? TokenUrl = null,
    [property: Id(8)] ImmutableDictionary<string, string>? ModelIds = null);

/// <summary>A partial update: null fields stay as they are.</summary>
[GenerateSerializer, Immutable]
public sealed record ProviderPatch(
    [property: Id(0)] string? BaseUrl,
    [property: Id(1)] ImmutableDictionary<string, string>? Credentials,
    [property: Id(2)] string? Region,
    [property: Id(3)] string? Project,
    [property: Id(4)] ImmutableArray<string>? Models,
    [property: Id(5)] ImmutableArray<string>? Workspaces,
    [property: Id(6)] string? TokenUrl = null,
    [property: Id(7)] ImmutableDictionary<string, string>? ModelIds = null);

/// <summary>A provider connection as the admin API shows it: no credential values.</summary>
[GenerateSerializer, Immutable]
public sealed record ProviderView(
    [property: Id(0)] string Slug,
    [property: Id(1)] string Kind,
    [property: Id(2)] string BaseUrl,
    [property: Id(3)] string? Region,
    [property: Id(4)] string? Project,
    [property: Id(5)] ImmutableArray<string>? Models,
    [property: Id(6)] ImmutableArray<string>? Workspaces,
    [property: Id(7)] ImmutableArray<string> CredentialFields,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt,
    [property: Id(10)] string? TokenUrl,
    [property: Id(11)] ImmutableDictionary<string, string>? ModelIds);

/// <summary>A provider connection as stored: its credentials encrypted by <see cref="ICredentialProtector"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record SealedProviderConnection(
    [property: Id(0)] string Slug,
    [property: Id(1)] string Kind,
    [property: Id(2)] Uri BaseUrl,
    [property: Id(3)] string ProtectedCredentials,
    [property: Id(4)] ImmutableArray<string>? Models,
    [property: Id(5)] ImmutableArray<string>? Workspaces,
    [property: Id(6)] long Version,
    [property: Id(7)] string? Region = null,
    [property: Id(8)] string? Project = null,
    [property: Id(9)] string? TokenUrl = null,
    [property: Id(10)] ImmutableDictionary<string, string>? ModelIds = null)
{
    public ProviderConnection Unseal(ICredentialProtector protector) => new(Slug, Kind, BaseUrl,
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(
            protector.Unprotect(ProtectedCredentials, ProviderGrain.CredentialBinding(Slug)))!.ToImmutableDictionary(),
        Models, Workspaces, Version, Region, Project, TokenUrl, ModelIds);
}

/// <summary>A provider connection as the request path uses it, credential decrypted (never leaves the process).</summary>
[GenerateSerializer, Immutable]
public sealed record ProviderConnection(
    [property: Id(0)] string Slug,
    [property: Id(1)] string Kind,
    [property: Id(2)] Uri BaseUrl,
    [property: Id(3)] ImmutableDictionary<string, string> Credentials,
    [property: Id(4)] ImmutableArray<string>? Models,
    [property: Id(5)] ImmutableArray<string>? Workspaces,
    [property: Id(6)] long Version,
    [property: Id(7)] string? Region = null,
    [property: Id(8)] string? Project = null,
    [property: Id(9)] string? TokenUrl = null,
    [property: Id(10)] ImmutableDictionary<string, string>? ModelIds = null)
{
    /// <summary>True when a key of <paramref name="workspace"/> may send requests through this connection.</summary>
    public bool Serves(string workspace) => Workspaces is not { } allowed || allowed.Contains(workspace);

    /// <summary>Credential values are never part of a printed connection.</summary>
    public override string ToString() => $"ProviderConnection {{ Slug = {Slug}, Kind = {Kind}, BaseUrl = {BaseUrl} }}";
}
