using System.Collections.Immutable;
using System.ComponentModel;
using System.Globalization;
using Gateway.Api.Admin.Access;
using Gateway.Grains.Admin;
using Gateway.Projections.Logs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Api.Reports;

/// <summary>
/// The request log's filters, from the query string (read as text: a bad value is a 400 naming it). Metadata filters
/// (<c>metadata.&lt;key&gt;=&lt;value&gt;</c>) have open names and are read from the query string itself.
/// </summary>
public sealed record LogsQuery(
    [FromQuery(Name = "q")][property: Description("Full-text search in the request and response bodies.")] string? Q,
    [FromQuery(Name = "workspace")] string? Workspace,
    [FromQuery(Name = "key")][property: Description("A key id (key_…).")] string? Key,
    [FromQuery(Name = "user")][property: Description("A signed-on user's id (usr_…).")] string? User,
    [FromQuery(Name = "model")] string? Model,
    [FromQuery(Name = "provider")][property: Description("A provider connection's slug.")] string? Provider,
    [FromQuery(Name = "status")][property: Description("An HTTP status code.")] string? Status,
    [FromQuery(Name = "from")][property: Description("ISO 8601 date or time (UTC unless it says otherwise).")] string? From,
    [FromQuery(Name = "to")][property: Description("ISO 8601 date or time (UTC unless it says otherwise).")] string? To);

/// <summary>The logs API's query string as a <see cref="LogFilter"/>.</summary>
public static class LogFilterQuery
{
    /// <summary>Reads the filters; on a bad value, <paramref name="error"/> says which (an Anthropic 400 message).</summary>
    public static LogFilter? TryRead(LogsQuery filters, IQueryCollection query, AdminPrincipal principal, int limit, string? cursor, out string? error)
    {
        error = null;
        int? status = null;
        if (filters.Status is { Length: > 0 } statusText)
        {
            if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 100 or > 599)
            {
                error = "status: must be an HTTP status code.";
                return null;
            }
            status = code;
        }
        if (!TryReadTime(filters.From, "from", out var from, out error) || !TryReadTime(filters.To, "to", out var to, out error))
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
            Search = Value(filters.Q),
            Workspace = Value(filters.Workspace),
            KeyId = Value(filters.Key),
            UserId = Value(filters.User),
            Model = Value(filters.Model),
            Provider = Value(filters.Provider),
            Status = status,
            From = from,
            To = to,
            Metadata = metadata.ToImmutable(),
            VisibleWorkspaces = AdminPolicy.ReadableWorkspaces(principal),
            After = after,
            Limit = limit,
        };
    }

    private static string? Value(string? text) => string.IsNullOrEmpty(text) ? null : text;

    /// <summary>An ISO 8601 date or time, UTC unless it says otherwise; absent or empty is null.</summary>
    public static bool TryReadTime(string? text, string name, out DateTimeOffset? value, out string? error)
    {
        value = null;
        error = null;
        if (string.IsNullOrEmpty(text))
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
