namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// Writes the SigV4 canonical request: method, canonical URI and query, the signed headers (lower-cased names in
/// byte order, values trimmed with runs of whitespace collapsed, a repeated name's values joined with ','), the
/// signed-header list and the payload hash. Headers are taken in the order <see cref="SortByName"/> gives.
/// </summary>
internal static class CanonicalRequestWriter
{
    /// <param name="encodePath">Whether <paramref name="path"/> is the path as sent (encoded once more here) rather than
    /// a canonical URI already.</param>
    public static void Write(ref PooledUtf8Writer writer, ReadOnlySpan<char> method, ReadOnlySpan<char> path,
        bool encodePath, ReadOnlySpan<char> canonicalQuery, ReadOnlySpan<KeyValuePair<string, string>> headers,
        ReadOnlySpan<int> order, ReadOnlySpan<char> payloadHash)
    {
        writer.Append(method);
        writer.Append((byte)'\n');
        if (!encodePath)
        {
            writer.Append(path);
        }
        else if (path.IsEmpty)
        {
            writer.Append((byte)'/');
        }
        else
        {
            writer.AppendUriEncoded(path, keepSlash: true);
        }
        writer.Append((byte)'\n');
        writer.Append(canonicalQuery);
        writer.Append((byte)'\n');
        for (var i = 0; i < order.Length; i++)
        {
            var (name, value) = headers[order[i]];
            if (i > 0 && CompareNames(headers[order[i - 1]].Key, name) == 0)
            {
                // A repeated header: its values join the previous line, in the order given.
                writer.Append((byte)',');
            }
            else
            {
                if (i > 0)
                {
                    writer.Append((byte)'\n');
                }
                writer.AppendLowerAscii(name);
                writer.Append((byte)':');
            }
            writer.AppendCollapsed(value);
        }
        if (order.Length > 0)
        {
            writer.Append((byte)'\n');
        }
        writer.Append((byte)'\n');
        WriteSignedHeaders(ref writer, headers, order);
        writer.Append((byte)'\n');
        writer.Append(payloadHash);
    }

    public static void WriteSignedHeaders(ref PooledUtf8Writer writer, ReadOnlySpan<KeyValuePair<string, string>> headers,
        ReadOnlySpan<int> order)
    {
        for (var i = 0; i < order.Length; i++)
        {
            var name = headers[order[i]].Key;
            if (i > 0)
            {
                if (CompareNames(headers[order[i - 1]].Key, name) == 0)
                {
                    continue;
                }
                writer.Append((byte)';');
            }
            writer.AppendLowerAscii(name);
        }
    }

    /// <summary>Stable insertion sort of indexes by lower-cased name (a handful of headers; no allocation).</summary>
    public static void SortByName(ReadOnlySpan<KeyValuePair<string, string>> headers, Span<int> order)
    {
        for (var i = 0; i < order.Length; i++)
        {
            var name = headers[i].Key;
            var j = i;
            while (j > 0 && CompareNames(headers[order[j - 1]].Key, name) > 0)
            {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
    }

    /// <summary>Orders names as their lower-cased bytes sort (OrdinalIgnoreCase upper-cases, which orders '_' differently).</summary>
    private static int CompareNames(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            var difference = char.ToLowerInvariant(a[i]) - char.ToLowerInvariant(b[i]);
            if (difference != 0)
            {
                return difference;
            }
        }
        return a.Length - b.Length;
    }
}
