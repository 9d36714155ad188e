namespace Gateway.Grains.Keys;

/// <summary>Model allow-lists: exact ids or aliases, or a prefix ending in <c>*</c> (e.g. <c>claude-haiku-*</c>).</summary>
public static class ModelPatterns
{
    public static bool Matches(IEnumerable<string> patterns, string model) => patterns.Any(p => Matches(p, model));

    public static bool Matches(string pattern, string model) => pattern.EndsWith('*')
        ? model.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
        : string.Equals(pattern, model, StringComparison.Ordinal);
}
