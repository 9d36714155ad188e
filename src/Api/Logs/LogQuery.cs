using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Grains.Admin;
using Gateway.Projections;
using Microsoft.AspNetCore.Http;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Api.Logs;

/// <summary>
/// The logs API's filters as one parameterised SQL query over <c>request_log</c>, newest first. Paging is by key
/// (created_at, request_id), so a page costs the same however deep it is and rows arriving meanwhile never shift it.
/// </summary>
public sealed class LogQuery
{
    private readonly List<string> _conditions = [];
    private readonly List<string> _contentConditions = [];
    private readonly List<NpgsqlParameter> _parameters = [];

    /// <summary>The table whose (created_at, request_id) orders and pages the result: the log, or the bodies for a search.</summary>
    private string _order = "l";

    /// <summary>A quoted phrase is searched for: see <see cref="ToCommand"/>.</summary>
    private bool _phrase;

    private LogQuery()
    {
    }

    public int Limit { get; private set; }

    /// <summary>Reads the query string; on a bad value, <paramref name="error"/> says which (an Anthropic 400 message).</summary>
    public static LogQuery? TryRead(IQueryCollection query, AdminPrincipal principal, int limit, string? cursor, out string? error)
    {
        error = null;
        var search = query["q"].FirstOrDefault() is { Length: > 0 } text ? text : null;
        var result = new LogQuery { Limit = limit, _order = search is null ? "l" : "c", _phrase = search?.Contains('"') == true };
        if (search is not null)
        {
            // Web-search syntax: words, "a quoted phrase", OR, -excluded; matched against prompt and answer text.
            result.Add("c.search @@ websearch_to_tsquery('simple', {0})", search);
        }
        foreach (var (name, column) in new[] { ("workspace", "workspace"), ("key", "key_id"), ("model", "model"), ("provider", "provider") })
        {
            if (query[name].FirstOrDefault() is { Length: > 0 } value)
            {
                // While searching, the workspace is matched on the bodies' side, before their rows are joined.
                result.Add(search is not null && column == "workspace" ? "c.workspace = {0}" : $"l.{column} = {{0}}", value);
            }
        }
        if (query["status"].FirstOrDefault() is { Length: > 0 } status)
        {
            if (!int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 100 or > 599)
            {
                error = "status: must be an HTTP status code.";
                return null;
            }
            result.Add("l.status = {0}", code);
        }
        if (!TryReadTime(query, "from", out var from, out error) || !TryReadTime(query, "to", out var to, out error))
        {
            return null;
        }
        if (from is not null)
        {
            result.Add($"{result._order}.created_at >= {{0}}", from.Value.UtcDateTime);
        }
        if (to is not null)
        {
            result.Add($"{result._order}.created_at < {{0}}", to.Value.UtcDateTime);
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in query)
        {
            if (name.StartsWith("metadata.", StringComparison.Ordinal) && name.Length > "metadata.".Length)
            {
                metadata[name["metadata.".Length..]] = values.ToString();
            }
        }
        if (metadata.Count > 0)
        {
            result.Add("l.metadata @> {0}::jsonb", JsonSerializer.Serialize(metadata));
        }
        if (!principal.IsOrgAdmin)
        {
            result.Add(search is not null ? "c.workspace = ANY({0}::text[])" : "l.workspace = ANY({0}::text[])", (object)principal.Workspaces.ToArray());
        }
        if (cursor is not null)
        {
            if (!TryDecodeCursor(cursor, out var at, out var id))
            {
                error = "cursor: not a cursor this API returned.";
                return null;
            }
            result.Add($"({result._order}.created_at, {result._order}.request_id) < ({{0}}, {{1}})", at, id);
        }
        return result;
    }

    public NpgsqlCommand ToCommand(NpgsqlDataSource database)
    {
        var sql = new StringBuilder();
        if (_order == "l")
        {
            sql.Append($"SELECT {LogRows.Qualified("l")} FROM {ReadSchema.RequestLog} l");
        }
        else if (!_phrase)
        {
            // A search is driven by the matching bodies, newest first: their time index lets PostgreSQL stop after a page
            // for a common word, and it collects a rare word's few matches from the full-text index instead.
            sql.Append($"SELECT {LogRows.Qualified("l")} FROM {ReadSchema.RequestContent} c JOIN {ReadSchema.RequestLog} l ON l.request_id = c.request_id");
        }
        else
        {
            // A phrase's matches are collected from the full-text index first. PostgreSQL estimates a phrase to be as
            // common as its words together, and would otherwise walk the newest bodies one by one looking for a phrase
            // that only a handful contain.
            sql.Append($"WITH c AS MATERIALIZED (SELECT c.request_id, c.created_at FROM {ReadSchema.RequestContent} c");
            if (_contentConditions.Count > 0)
            {
                sql.Append(" WHERE ").AppendJoin(" AND ", _contentConditions);
            }
            sql.Append($") SELECT {LogRows.Qualified("l")} FROM c JOIN {ReadSchema.RequestLog} l ON l.request_id = c.request_id");
        }
        var conditions = _phrase ? _conditions : [.. _contentConditions, .. _conditions];
        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }
        sql.Append($" ORDER BY {_order}.created_at DESC, {_order}.request_id DESC LIMIT {Limit + 1}");
        var command = database.CreateCommand(sql.ToString());
        command.Parameters.AddRange(_parameters.ToArray());
        return command;
    }

    public static string EncodeCursor(LogRow last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.CreatedAt.UtcTicks}|{last.RequestId}"));

    private static bool TryDecodeCursor(string cursor, out DateTime at, out string id)
    {
        at = default;
        id = "";
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0 || !long.TryParse(text[..bar], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            {
                return false;
            }
            at = new DateTime(ticks, DateTimeKind.Utc);
            id = text[(bar + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool TryReadTime(IQueryCollection query, string name, out DateTimeOffset? value, out string? error)
    {
        value = null;
        error = null;
        if (query[name].FirstOrDefault() is not { Length: > 0 } text)
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

    /// <summary>Adds a condition whose <c>{0}</c>, <c>{1}</c> are replaced by new positional parameters.</summary>
    private void Add(string condition, params object[] values)
    {
        var names = new object[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            _parameters.Add(new NpgsqlParameter { Value = values[i] });
            names[i] = $"${_parameters.Count}";
        }
        var formatted = string.Format(CultureInfo.InvariantCulture, condition, names);
        (formatted.StartsWith("c.", StringComparison.Ordinal) || formatted.StartsWith("(c.", StringComparison.Ordinal) ? _contentConditions : _conditions)
            .Add(formatted);
    }
}
