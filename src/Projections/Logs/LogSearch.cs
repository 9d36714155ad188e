using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Gateway.Projections.Logs;

/// <summary>
/// A <see cref="LogFilter"/> as one parameterised SQL query over <c>request_log</c>, newest first. Paging is by key
/// (created_at, request_id), so a page costs the same however deep it is and rows arriving meanwhile never shift it.
/// </summary>
internal sealed class LogSearch
{
    private readonly List<string> _conditions = [];
    private readonly List<string> _contentConditions = [];
    private readonly List<NpgsqlParameter> _parameters = [];

    /// <summary>The table whose (created_at, request_id) orders and pages the result: the log, or the bodies for a search.</summary>
    private readonly string _order;

    /// <summary>A quoted phrase is searched for: see <see cref="ToCommand"/>.</summary>
    private readonly bool _phrase;

    private readonly int _limit;

    public LogSearch(LogFilter filter)
    {
        var search = filter.Search is { Length: > 0 } text ? text : null;
        _order = search is null ? "l" : "c";
        _phrase = search?.Contains('"') == true;
        _limit = filter.Limit;
        if (search is not null)
        {
            Add("c.search @@ websearch_to_tsquery('simple', {0})", search);
        }
        // While searching, the workspace is matched on the bodies' side, before their rows are joined.
        var workspaceSide = search is null ? "l" : "c";
        AddIfSet($"{workspaceSide}.workspace = {{0}}", filter.Workspace);
        AddIfSet("l.key_id = {0}", filter.KeyId);
        AddIfSet("l.user_id = {0}", filter.UserId);
        AddIfSet("l.model = {0}", filter.Model);
        AddIfSet("l.provider = {0}", filter.Provider);
        if (filter.Status is { } status)
        {
            Add("l.status = {0}", status);
        }
        if (filter.From is { } from)
        {
            Add($"{_order}.created_at >= {{0}}", from.UtcDateTime);
        }
        if (filter.To is { } to)
        {
            Add($"{_order}.created_at < {{0}}", to.UtcDateTime);
        }
        if (filter.Metadata.Count > 0)
        {
            Add("l.metadata @> {0}::jsonb", JsonSerializer.Serialize(filter.Metadata));
        }
        if (filter.VisibleWorkspaces is { } visible)
        {
            Add($"{workspaceSide}.workspace = ANY({{0}}::text[])", (object)visible.ToArray());
        }
        if (filter.After is { } after)
        {
            Add($"({_order}.created_at, {_order}.request_id) < ({{0}}, {{1}})", after.At, after.RequestId);
        }
    }

    public NpgsqlCommand ToCommand(NpgsqlDataSource database)
    {
        var columns = RequestLogTable.Table.Select("l");
        var sql = new StringBuilder();
        if (_order == "l")
        {
            sql.Append($"SELECT {columns} FROM {ReadSchema.RequestLog} l");
        }
        else if (!_phrase)
        {
            // A search is driven by the matching bodies, newest first: their time index lets PostgreSQL stop after a page
            // for a common word, and it collects a rare word's few matches from the full-text index instead.
            sql.Append($"SELECT {columns} FROM {ReadSchema.RequestContent} c JOIN {ReadSchema.RequestLog} l ON l.request_id = c.request_id");
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
            sql.Append($") SELECT {columns} FROM c JOIN {ReadSchema.RequestLog} l ON l.request_id = c.request_id");
        }
        var conditions = _phrase ? _conditions : [.. _contentConditions, .. _conditions];
        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }
        sql.Append($" ORDER BY {_order}.created_at DESC, {_order}.request_id DESC LIMIT {_limit + 1}");
        var command = database.CreateCommand(sql.ToString());
        command.Parameters.AddRange(_parameters.ToArray());
        return command;
    }

    private void AddIfSet(string condition, string? value)
    {
        if (value is { Length: > 0 })
        {
            Add(condition, value);
        }
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
