using System.Collections.Immutable;
using System.Globalization;
using Gateway.Grains.Admin;
using Gateway.Projections.Logs;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Reports;

/// <summary>The logs API's query string as a <see cref="LogFilter"/>.</summary>
public static class LogFilterQuery
{
    /// <summary>Reads the query string; on a bad value, <paramref name="error"/> says which (an Anthropic 400 message).</summary>
    public static LogFilter? TryRead(IQueryCollection query, AdminPrincipal principal, int limit, string? cursor, out string? error)
    {
        error = null;
        int? status = null;
        if (query["status"].FirstOrDefault() is { Length: > 0 } statusText)
        {
            if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 100 or > 599)
            {
                error = "status: must be an HTTP status code.";
                return null;
            }
            status = code;
        }
        if (!TryReadTime(query, "from", out var from, out error) || !TryReadTime(query, "to", out var to, out error))
        {
            return null;
        }
        LogCursor? after = null;
        if (cursor is not null && !LogCursor.TryDecode(cursor, out after))
        {
            error = "cursor: not a cursor this API returned.";
            return null;
        }
        var metadata = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in query)
        {
            if (name.StartsWith("metadata.", StringComparison.Ordinal) && name.Length > "metadata.".Length)
            {
                metadata[name["metadata.".Length..]] = values.ToString();
            }
        }
        return new LogFilter
        {
            Search = Value(query, "q"),
            Workspace = Value(query, "workspace"),
            KeyId = Value(query, "key"),
            Model = Value(query, "model"),
            Provider = Value(query, "provider"),
            Status = status,
            From = from,
            To = to,
            Metadata = metadata.ToImmutable(),
            VisibleWorkspaces = principal.IsOrgAdmin ? null : [.. principal.Workspaces],
            After = after,
            Limit = limit,
        };
    }

    private static string? Value(IQueryCollection query, string name) => query[name].FirstOrDefault() is { Length: > 0 } value ? value : null;

    private static bool TryReadTime(IQueryCollection query, string name, out DateTimeOffset? value, out string? error)
    {
        value = null;
        error = null;
        if (Value(query, name) is not { } text)
        {
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }
        error = $"{name}: must be an ISO 8601 date or time (UTC unless it says otherwise).";
        return false;
    }
}
