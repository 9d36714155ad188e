using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Grains.Logging;

namespace Gateway.Api.Logs;

/// <summary>
/// Masks a redacted workspace's patterns in every string of a JSON body (never in its structure, so the stored
/// body stays valid JSON): a named pattern becomes <c>[REDACTED:email]</c>, an expression <c>[REDACTED]</c>.
/// </summary>
public static class Redactor
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly ConcurrentDictionary<string, (Regex Pattern, string Mask)> Compiled = new(StringComparer.Ordinal);

    public static void Apply(JsonNode? node, IReadOnlyList<string> patterns)
    {
        var compiled = patterns.Select(Compile).ToList();
        JsonStrings.Rewrite(node, text => Mask(text, compiled));
    }

    /// <summary>The text with every pattern masked.</summary>
    public static string Mask(string text, IReadOnlyList<(Regex Pattern, string Mask)> patterns)
    {
        foreach (var (pattern, mask) in patterns)
        {
            try
            {
                text = pattern.Replace(text, mask);
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological text for this expression: hide all of it rather than store it unmasked.
                return "[REDACTED]";
            }
        }
        return text;
    }

    private static (Regex, string) Compile(string pattern) => Compiled.GetOrAdd(pattern, p =>
        LogPolicy.NamedPatterns.TryGetValue(p, out var expression)
            ? (new Regex(expression, RegexOptions.CultureInvariant, MatchTimeout), $"[REDACTED:{p}]")
            : (new Regex(p, RegexOptions.CultureInvariant, MatchTimeout), "[REDACTED]"));
}
