namespace Gateway.Api.Spend;

/// <summary>
/// A spend or chargeback grouping (<c>workspace</c>, <c>key</c>, <c>model</c>, <c>provider</c> or <c>metadata.&lt;k&gt;</c>)
/// as the SQL expression over <c>spend_daily</c> it groups by; a metadata key travels as parameter <c>$4</c>.
/// </summary>
public sealed record SpendDimension(string Sql, string? Parameter)
{
    public static bool TryRead(string text, string name, out SpendDimension? dimension, out string? error, bool metadataOnly = false)
    {
        error = null;
        dimension = text switch
        {
            "workspace" => new SpendDimension("workspace", null),
            "key" when !metadataOnly => new SpendDimension("key_id", null),
            "model" when !metadataOnly => new SpendDimension("model", null),
            "provider" when !metadataOnly => new SpendDimension("provider", null),
            _ when text.StartsWith("metadata.", StringComparison.Ordinal) && text.Length > "metadata.".Length =>
                new SpendDimension("metadata ->> $4", text["metadata.".Length..]),
            _ => null,
        };
        if (dimension is null)
        {
            error = metadataOnly
                ? $"{name}: must be workspace or metadata.<key>."
                : $"{name}: must be key, workspace, model, provider or metadata.<key>.";
        }
        return dimension is not null;
    }
}
