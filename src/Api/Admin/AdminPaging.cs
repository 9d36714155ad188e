using Gateway.Grains.Catalog;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Admin;

/// <summary>List reads: <c>{"data": [...], "next_cursor": "…" | null}</c>, <c>limit</c> and <c>cursor</c> in the query.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Data, string? NextCursor);

public static class AdminPaging
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static bool TryRead(HttpRequest request, out int limit, out string? cursor, out IResult? error)
    {
        limit = DefaultLimit;
        cursor = request.Query["cursor"].FirstOrDefault();
        error = null;
        if (request.Query.TryGetValue("limit", out var text) && (!int.TryParse(text, out limit) || limit < 1 || limit > MaxLimit))
        {
            error = new AnthropicErrorResult(400, $"limit: must be an integer from 1 to {MaxLimit}.");
            return false;
        }
        return true;
    }

    /// <summary>Reads one page of a catalog and loads each resource; resources deleted meanwhile are skipped.</summary>
    public static async Task<ListPage<T>> LoadAsync<T>(ICatalogGrain catalog, string? cursor, int limit, Func<string, Task<T?>> load)
        where T : class
    {
        var page = await catalog.ListAsync(cursor, limit);
        var items = await Task.WhenAll(page.Ids.Select(load));
        return new ListPage<T>([.. items.OfType<T>()], page.HasMore ? page.Ids[^1] : null);
    }
}
