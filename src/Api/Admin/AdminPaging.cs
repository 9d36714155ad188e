using System.ComponentModel;
using Gateway.Grains.Catalog;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Api.Admin;

/// <summary>List reads: <c>{"data": [...], "next_cursor": "…" | null}</c>, <c>limit</c> and <c>cursor</c> in the query.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary>The paging of a list read, from the query string (read as text: a bad value is a 400 naming it).</summary>
public sealed record PageQuery(
    [FromQuery(Name = "limit")][property: Description("Items per page, 1 to 1000 (default 100).")] string? Limit,
    [FromQuery(Name = "cursor")][property: Description("The next_cursor of the previous page.")] string? Cursor);

public static class AdminPaging
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static bool TryRead(PageQuery query, out int limit, out string? cursor, out AnthropicErrorResult? error)
    {
        limit = DefaultLimit;
        cursor = query.Cursor;
        error = null;
        if (query.Limit is { } text && (!int.TryParse(text, out limit) || limit < 1 || limit > MaxLimit))
        {
            error = new AnthropicErrorResult(400, $"limit: must be an integer from 1 to {MaxLimit}.");
            return false;
        }
        return true;
    }

    /// <summary>
    /// Loads up to <paramref name="limit"/> resources of a catalog after the cursor, reading on while
    /// <paramref name="load"/> skips ids (null: deleted meanwhile, or not this page's — another workspace's, not matching a filter).
    /// </summary>
    public static async Task<ListPage<T>> LoadAsync<T>(ICatalogGrain catalog, string? cursor, int limit, Func<string, Task<T?>> load)
        where T : class
    {
        var found = new List<T>();
        for (var after = cursor; ;)
        {
            var page = await catalog.ListAsync(after, limit);
            var items = await Task.WhenAll(page.Ids.Select(load));
            for (var i = 0; i < items.Length; i++)
            {
                if (items[i] is { } item)
                {
                    found.Add(item);
                    if (found.Count == limit)
                    {
                        return new ListPage<T>(found, page.HasMore || i < items.Length - 1 ? page.Ids[i] : null);
                    }
                }
            }
            if (!page.HasMore || page.Ids.Count == 0)
            {
                return new ListPage<T>(found, null);
            }
            after = page.Ids[^1];
        }
    }
}
