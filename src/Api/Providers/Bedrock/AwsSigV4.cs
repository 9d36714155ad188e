using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// AWS Signature Version 4 in the <c>Authorization</c> header form. <see cref="Sign"/> signs an outgoing request;
/// the explicit-parts methods (<see cref="ComputeSignature"/>, <see cref="CanonicalRequest"/>) run the same code
/// from wire data, so a test fake can verify what it received.
/// </summary>
/// <remarks>
/// The canonical URI encodes the path as it is sent once more (every byte outside the RFC 3986 unreserved set,
/// '/' kept), as AWS services other than S3 expect: Bedrock model ids carry a raw ':' that must be signed as <c>%3A</c>.
/// </remarks>
public static class AwsSigV4
{
    /// <summary>The algorithm named in the <c>Authorization</c> header and the string to sign.</summary>
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The header carrying the signing time (<c>yyyyMMddTHHmmssZ</c>, UTC).</summary>
    public const string DateHeader = "x-amz-date";

    /// <summary>The header carrying temporary credentials' session token.</summary>
    public const string SecurityTokenHeader = "x-amz-security-token";

    private const int HashLength = 32;

    /// <summary>
    /// Signs <paramref name="request"/>: sets <c>x-amz-date</c>, <c>x-amz-security-token</c> when the credentials carry
    /// one, and <c>Authorization</c> (replacing any earlier signature, so a retried request can be signed again).
    /// Signs <c>host</c>, <c>x-amz-date</c>, the token, and <c>content-type</c> and <c>accept</c> when set.
    /// </summary>
    /// <param name="body">The exact bytes the request's content will send.</param>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, AwsCredentials credentials, string region,
        string service, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var uri = request.RequestUri;
        if (uri is null || !uri.IsAbsoluteUri)
        {
            throw new ArgumentException("Only a request with an absolute URI can be signed.", nameof(request));
        }

        var amzDate = FormatAmzDate(now);
        var headers = request.Headers;
        headers.Remove("Authorization");
        headers.Remove(DateHeader);
        headers.Remove(SecurityTokenHeader);
        headers.TryAddWithoutValidation(DateHeader, amzDate);
        if (credentials.SessionToken is { } token)
        {
            headers.TryAddWithoutValidation(SecurityTokenHeader, token);
        }

        // Added in sorted order already; the signing code sorts anyway.
        var slots = new SignedHeaderSlots();
        Span<KeyValuePair<string, string>> signed = slots;
        var count = 0;
        if (headers.NonValidated.TryGetValues("Accept", out var accept))
        {
            // The joined form is what goes on the wire (several values become "a, b").
            signed[count++] = new("accept", accept.ToString());
        }
        if (request.Content is { } content && content.Headers.NonValidated.TryGetValues("Content-Type", out var contentType))
        {
            signed[count++] = new("content-type", contentType.ToString());
        }
        signed[count++] = new("host", headers.Host ?? uri.Authority);
        signed[count++] = new(DateHeader, amzDate);
        if (credentials.SessionToken is { } sessionToken)
        {
            signed[count++] = new(SecurityTokenHeader, sessionToken);
        }
        signed = signed[..count];

        Span<byte> digest = stackalloc byte[HashLength];
        SHA256.HashData(body, digest);
        Span<char> payloadHash = stackalloc char[HashLength * 2];
        Convert.TryToHexStringLower(digest, payloadHash, out _);

        var query = uri.Query.Length > 1 ? CanonicalQuery(uri.Query) : "";
        var signature = Signature(request.Method.Method, uri.AbsolutePath, encodePath: true, query, signed, payloadHash,
            amzDate, region, service, credentials.SecretAccessKey);
        headers.TryAddWithoutValidation("Authorization",
            $"{Algorithm} Credential={credentials.AccessKeyId}/{amzDate.AsSpan(0, 8)}/{region}/{service}/aws4_request, SignedHeaders={SignedHeaders(signed)}, Signature={signature}");
    }

    /// <summary>The canonical URI for a path as sent on the wire: each segment percent-encoded, '/' kept; empty is "/".</summary>
    public static string CanonicalUri(string absolutePath)
    {
        ArgumentNullException.ThrowIfNull(absolutePath);
        if (absolutePath.Length == 0)
        {
            return "/";
        }
        var writer = new PooledUtf8Writer(absolutePath.Length * 3);
        try
        {
            writer.AppendUriEncoded(absolutePath, keepSlash: true);
            return Encoding.ASCII.GetString(writer.Written);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// The canonical query string for a query as sent (with or without the leading '?'): each name and value
    /// percent-decoded then encoded per RFC 3986, a name without '=' given an empty value, sorted by name then value.
    /// </summary>
    public static string CanonicalQuery(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var text = query.AsSpan();
        if (text.StartsWith('?'))
        {
            text = text[1..];
        }
        var pairs = new List<(string Name, string Value)>();
        foreach (var range in text.Split('&'))
        {
            var part = text[range];
            if (part.IsEmpty)
            {
                continue;
            }
            var equals = part.IndexOf('=');
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? [] : part[(equals + 1)..];
            pairs.Add((EncodeQueryComponent(name), EncodeQueryComponent(value)));
        }
        pairs.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(static p => $"{p.Name}={p.Value}"));
    }

    /// <summary>The hex SHA-256 of a request body, as signed (and as Bedrock's fakes recompute it).</summary>
    public static string PayloadHash(ReadOnlySpan<byte> body)
    {
        Span<byte> digest = stackalloc byte[HashLength];
        SHA256.HashData(body, digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>The <c>SignedHeaders</c> list for these headers: names lower-cased, sorted, distinct, ';'-joined.</summary>
    public static string SignedHeaders(ReadOnlySpan<KeyValuePair<string, string>> headers)
    {
        Span<int> order = headers.Length <= 32 ? stackalloc int[headers.Length] : new int[headers.Length];
        CanonicalRequestWriter.SortByName(headers, order);
        var writer = new PooledUtf8Writer(256);
        try
        {
            CanonicalRequestWriter.WriteSignedHeaders(ref writer, headers, order);
            return Encoding.ASCII.GetString(writer.Written);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// The canonical request from explicit parts: <paramref name="canonicalUri"/> and <paramref name="canonicalQuery"/>
    /// already canonical (see <see cref="CanonicalUri"/>, <see cref="CanonicalQuery"/>); <paramref name="headers"/> the
    /// signed headers in any order and case, raw values (a repeated name is joined with ',' in the order given).
    /// </summary>
    public static string CanonicalRequest(string method, string canonicalUri, string canonicalQuery,
        ReadOnlySpan<KeyValuePair<string, string>> headers, string payloadHash)
    {
        Span<int> order = headers.Length <= 32 ? stackalloc int[headers.Length] : new int[headers.Length];
        CanonicalRequestWriter.SortByName(headers, order);
        var writer = new PooledUtf8Writer(1024);
        try
        {
            CanonicalRequestWriter.Write(ref writer, method, canonicalUri, encodePath: false, canonicalQuery, headers, order, payloadHash);
            return Encoding.UTF8.GetString(writer.Written);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// The hex signature from explicit parts, as <see cref="CanonicalRequest"/> takes them, with the request's
    /// <c>x-amz-date</c> value (<paramref name="amzDate"/>, whose first 8 characters date the credential scope).
    /// </summary>
    public static string ComputeSignature(string method, string canonicalUri, string canonicalQuery,
        ReadOnlySpan<KeyValuePair<string, string>> headers, string payloadHash, string amzDate, string region, string service,
        string secretAccessKey)
    {
        ArgumentNullException.ThrowIfNull(amzDate);
        if (amzDate.Length < 8)
        {
            throw new ArgumentException("The date must be in the x-amz-date form, yyyyMMddTHHmmssZ.", nameof(amzDate));
        }
        return Signature(method, canonicalUri, encodePath: false, canonicalQuery, headers, payloadHash, amzDate, region,
            service, secretAccessKey);
    }

    /// <summary>The <c>x-amz-date</c> form of a time: <c>yyyyMMddTHHmmssZ</c> in UTC.</summary>
    public static string FormatAmzDate(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string Signature(ReadOnlySpan<char> method, ReadOnlySpan<char> path, bool encodePath,
        ReadOnlySpan<char> canonicalQuery, ReadOnlySpan<KeyValuePair<string, string>> headers, ReadOnlySpan<char> payloadHash,
        ReadOnlySpan<char> amzDate, string region, string service, string secretAccessKey)
    {
        Span<int> order = headers.Length <= 32 ? stackalloc int[headers.Length] : new int[headers.Length];
        CanonicalRequestWriter.SortByName(headers, order);
        Span<byte> hash = stackalloc byte[HashLength];
        Span<byte> key = stackalloc byte[HashLength];
        var writer = new PooledUtf8Writer(1024);
        try
        {
            CanonicalRequestWriter.Write(ref writer, method, path, encodePath, canonicalQuery, headers, order, payloadHash);
            SHA256.HashData(writer.Written, hash);

            writer.Clear();
            writer.Append("AWS4-HMAC-SHA256\n"u8);
            writer.Append(amzDate);
            writer.Append((byte)'\n');
            CredentialScope.Write(ref writer, amzDate[..8], region, service);
            writer.Append((byte)'\n');
            writer.AppendHexLower(hash);

            CredentialScope.DeriveSigningKey(secretAccessKey, amzDate[..8], region, service, key);
            HMACSHA256.HashData(key, writer.Written, hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            writer.Dispose();
        }
    }

    private static string EncodeQueryComponent(ReadOnlySpan<char> component)
    {
        var decoded = Uri.UnescapeDataString(component);
        var writer = new PooledUtf8Writer(decoded.Length * 3 + 1);
        try
        {
            writer.AppendUriEncoded(decoded, keepSlash: false);
            return Encoding.ASCII.GetString(writer.Written);
        }
        finally
        {
            writer.Dispose();
        }
    }
}
