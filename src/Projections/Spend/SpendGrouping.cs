namespace Gateway.Projections.Spend;

/// <summary>
/// A spend or chargeback grouping (<c>workspace</c>, <c>key</c>, <c>user</c>, <c>model</c>, <c>provider</c> or <c>metadata.&lt;k&gt;</c>)
/// as the SQL expression over <c>spend_daily</c> it groups by; a metadata key travels as parameter <c>$4</c>.
/// </summary>
public sealed record SpendGrouping
{
    private SpendGrouping(string sql, string? metadataKey)
    {
        Sql = sql;
        MetadataKey = metadataKey;
    }

    internal string Sql { get; }

    internal string? MetadataKey { get; }

    /// <summary>Reads a grouping; <paramref name="error"/> names <paramref name="name"/> and the allowed values otherwise.</summary>
    /// <param name="metadataOnly">Only workspace or a metadata key (chargeback).</param>
    public static bool TryRead(string text, string name, out SpendGrouping? grouping, out string? error, bool metadataOnly = false)
    {
        error = null;
        grouping = text switch
        {
            "workspace" => new SpendGrouping("workspace", null),
            "key" when !metadataOnly => new SpendGrouping("key_id", null),
            "user" when !metadataOnly => new SpendGrouping("user_id", null),
            "model" when !metadataOnly => new SpendGrouping("model", null),
            "provider" when !metadataOnly => new SpendGrouping("provider", null),
            _ when text.StartsWith("metadata.", StringComparison.Ordinal) && text.Length > "metadata.".Length =>
                new SpendGrouping("metadata ->> $4", text["metadata.".Length..]),
            _ => null,
        };
        if (grouping is null)
        {
            error = metadataOnly
                ? $"{name}: must be workspace or metadata.<key>."
                : $"{name}: must be key, user, workspace, model, provider or metadata.<key>.";
        }
        return grouping is not null;
    }
}
