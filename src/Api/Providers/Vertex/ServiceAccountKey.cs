using System.Security.Cryptography;
using System.Text.Json;
using Google.Apis.Auth.OAuth2;

namespace Gateway.Api.Providers.Vertex;

/// <summary>
/// The fields of a Google service-account key file that the gateway uses, read strictly. A class rather than a
/// record so that no generated <c>ToString</c> can ever print the private key.
/// </summary>
internal sealed class ServiceAccountKey
{
    private ServiceAccountKey(string clientEmail, string privateKeyPem, string? privateKeyId, string? projectId, string? tokenUri)
    {
        ClientEmail = clientEmail;
        PrivateKeyPem = privateKeyPem;
        PrivateKeyId = privateKeyId;
        ProjectId = projectId;
        TokenUri = tokenUri;
    }

    public string ClientEmail { get; }
    public string PrivateKeyPem { get; }
    public string? PrivateKeyId { get; }
    public string? ProjectId { get; }
    public string? TokenUri { get; }

    /// <summary>Reads the JSON an admin stored; throws <see cref="VertexCredentialException"/> naming the bad field.</summary>
    public static ServiceAccountKey Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            // The parser's own message can quote the offending text, which may be part of the key: position only.
            throw new VertexCredentialException(
                $"service_account_json is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new VertexCredentialException("service_account_json must be a JSON object.");
            }
            var type = Optional(root, "type");
            if (type is not null && type != "service_account")
            {
                throw new VertexCredentialException("service_account_json: type must be \"service_account\".");
            }
            var tokenUri = Optional(root, "token_uri");
            if (tokenUri is not null && !IsHttpUrl(tokenUri))
            {
                throw new VertexCredentialException("service_account_json: token_uri must be an absolute http(s) URL.");
            }
            return new ServiceAccountKey(
                Required(root, "client_email"),
                // Keys pasted through a shell or a YAML file sometimes arrive with literal "\n" in place of newlines.
                Required(root, "private_key").Replace("\\n", "\n", StringComparison.Ordinal),
                Optional(root, "private_key_id"),
                Optional(root, "project_id"),
                tokenUri);
        }
    }

    /// <summary>
    /// A credential initializer for the JWT bearer grant against <paramref name="tokenUrl"/>, with the private key
    /// imported and proved able to sign.
    /// </summary>
    public ServiceAccountCredential.Initializer CreateInitializer(string tokenUrl, IEnumerable<string> scopes)
    {
        var initializer = new ServiceAccountCredential.Initializer(ClientEmail, tokenUrl)
        {
            KeyId = PrivateKeyId,
            ProjectId = ProjectId,
            Scopes = scopes,
            // Explicitly the token-endpoint exchange: a self-signed JWT used as the access token is accepted by
            // some Google APIs but not by every Vertex endpoint, and it would bypass the token server entirely.
            UseJwtAccessWithScopes = false,
        };
        try
        {
            initializer.FromPrivateKey(PrivateKeyPem);
            // Import alone accepts some malformed keys; a signature proves the key is whole and private.
            initializer.Key.SignData("probe"u8, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The library's PKCS#8 reader fails in many different ways on garbage (format, cast, index, crypto...).
            // Not chained: exceptions from a half-parsed key are no use to the admin and must not carry key bytes.
            throw new VertexCredentialException(
                "service_account_json: private_key is not a PEM-encoded PKCS#8 RSA private key (-----BEGIN PRIVATE KEY-----).");
        }
        return initializer;
    }

    public static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static string Required(JsonElement root, string name) =>
        Optional(root, name) ?? throw new VertexCredentialException($"service_account_json: {name} is missing.");

    private static string? Optional(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new VertexCredentialException($"service_account_json: {name} must be a string.");
        }
        var text = value.GetString();
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }
}
