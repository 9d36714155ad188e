using System.Collections.Immutable;
using Gateway.Api.Reports;
using Gateway.Grains.Admin;
using Gateway.Projections.Logs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Tests.Api.Reports;

[Trait("Category", "Unit")]
public sealed class LogFilterQueryTests
{
    private static readonly AdminPrincipal OrgAdmin = new("t1", "root", AdminRoles.OrgAdmin);
    private static readonly AdminPrincipal Analyst = new("t2", "finance", AdminRoles.Analyst, ["ws-a", "ws-b"]);

    [Fact]
    public void Every_filter_in_the_query_string_is_read()
    {
        var filter = Read("q=%22quarterly+report%22&workspace=ws-a&key=k1&model=claude-x&provider=bedrock&status=429"
            + "&from=2026-12-01&to=2026-12-02T10:00:00%2B01:00&metadata.team=finance&metadata.user=ada", OrgAdmin, out var error);

        Assert.Null(error);
        Assert.Equal("\"quarterly report\"", filter!.Search);
        Assert.Equal(("ws-a", "k1", "claude-x", "bedrock", 429), (filter.Workspace, filter.KeyId, filter.Model, filter.Provider, filter.Status));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), filter.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero), filter.To);
        Assert.Equal(ImmutableDictionary<string, string>.Empty.Add("team", "finance").Add("user", "ada"), filter.Metadata, new MetadataComparer());
        Assert.Null(filter.VisibleWorkspaces);
    }

    [Fact]
    public void A_workspace_reader_sees_only_its_workspaces_whatever_it_asks_for()
    {
        var filter = Read("workspace=ws-z", Analyst, out _);

        Assert.Equal(["ws-a", "ws-b"], filter!.VisibleWorkspaces);
        Assert.Equal("ws-z", filter.Workspace);
    }

    [Theory]
    [InlineData("status=abc", "status: must be an HTTP status code.")]
    [InlineData("status=99", "status: must be an HTTP status code.")]
    [InlineData("status=-200", "status: must be an HTTP status code.")]
    [InlineData("from=yesterday", "from: must be an ISO 8601 date or time (UTC unless it says otherwise).")]
    [InlineData("to=2026-13-01", "to: must be an ISO 8601 date or time (UTC unless it says otherwise).")]
    public void A_bad_value_is_named(string query, string expected)
    {
        Assert.Null(Read(query, OrgAdmin, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("bm90IGEgY3Vyc29y")]
    [InlineData("%%%")]
    [InlineData("OTk5OTk5OTk5OTk5OTk5OTk5OXx4")]
    public void A_cursor_the_api_did_not_give_is_refused(string cursor)
    {
        var filter = LogFilterQuery.TryRead(NoFilters, new QueryCollection(), OrgAdmin, 10, cursor, out var error);

        Assert.Null(filter);
        Assert.Equal("cursor: not a cursor this API returned.", error);
    }

    [Fact]
    public void A_cursor_continues_after_the_row_it_was_made_from()
    {
        var row = new RequestLogRow("req_1", new DateTimeOffset(2026, 12, 3, 12, 0, 0, 123, TimeSpan.Zero), "messages", null, null, null, null,
            200, "completed", false, null, null, null, null, null, false, 0, 0, 0, 0, 1, null, ImmutableDictionary<string, string>.Empty,
            new LogServerToolUse(0, 0, 0), null, "anthropic", null);

        var filter = LogFilterQuery.TryRead(NoFilters, new QueryCollection(), OrgAdmin, 10, LogCursor.Encode(row), out _);

        Assert.Equal(new LogCursor(row.CreatedAt.UtcDateTime, "req_1"), filter!.After);
        Assert.Equal(10, filter.Limit);
    }

    private static readonly LogsQuery NoFilters = new(null, null, null, null, null, null, null, null, null);

    /// <summary>Reads a query string as the endpoint does: the named filters bound as text, metadata filters from the string itself.</summary>
    private static LogFilter? Read(string query, AdminPrincipal principal, out string? error)
    {
        var values = new QueryCollection(QueryHelpers.ParseQuery(query));
        string? Text(string name) => values.TryGetValue(name, out var value) ? value.ToString() : null;
        var filters = new LogsQuery(Text("q"), Text("workspace"), Text("key"), Text("user"), Text("model"), Text("provider"), Text("status"), Text("from"), Text("to"));
        return LogFilterQuery.TryRead(filters, values, principal, 100, null, out error);
    }

    private sealed class MetadataComparer : IEqualityComparer<ImmutableDictionary<string, string>>
    {
        public bool Equals(ImmutableDictionary<string, string>? x, ImmutableDictionary<string, string>? y) =>
            x!.Count == y!.Count && x.All(pair => y.TryGetValue(pair.Key, out var value) && value == pair.Value);

        public int GetHashCode(ImmutableDictionary<string, string> obj) => obj.Count;
    }
}
