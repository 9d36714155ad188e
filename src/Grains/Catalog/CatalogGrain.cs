namespace Gateway.Grains.Catalog;

public sealed class CatalogGrain([PersistentState("catalog", GatewayStorage.Name)] IPersistentState<CatalogState> state)
    : Grain, ICatalogGrain
{
    public async Task AddAsync(string id)
    {
        if (state.State.Ids.Add(id))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string id)
    {
        if (state.State.Ids.Remove(id))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<CatalogPage> ListAsync(string? afterId, int limit)
    {
        var page = state.State.Ids.Where(id => afterId is null || string.CompareOrdinal(id, afterId) > 0).Take(limit + 1).ToList();
        var hasMore = page.Count > limit;
        if (hasMore)
        {
            page.RemoveAt(page.Count - 1);
        }
        return Task.FromResult(new CatalogPage(page, hasMore));
    }
}

public sealed class CatalogState
{
    public SortedSet<string> Ids { get; set; } = new(StringComparer.Ordinal);
}
