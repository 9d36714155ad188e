using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Grains.Logging;

namespace Gateway.Api.Logs;

/// <summary>
/// Masks a redacted workspace's patterns in every string of a JSON body (never in its structure, so the stored
/// body stays valid JSON): a named pattern becomes <c>[REDACTED:email]</c>, an expression <c>[REDACTED]</c>.
/// The work per body is bounded, so no body can stall the one writer every workspace's bodies go through:
/// expressions run on .NET's non-backtracking engine (time linear in the text), and once a body has used up
/// <see cref="RedactionBudget"/> every string left in it is masked whole — withheld, never stored unmasked.
/// </summary>
public static class Redactor
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly ConcurrentDictionary<string, (Regex Pattern, string Mask)> Compiled = new(StringComparer.Ordinal);

    /// <summary>Masks <paramref name="node"/>'s strings in place; returns false when the budget ran out (the rest masked whole).</summary>
    public static bool Apply(JsonNode? node, IReadOnlyList<string> patterns, RedactionBudget budget)
    {
        var compiled = patterns.Select(Compile).ToList();
        JsonStrings.Rewrite(node, text => budget.Take(text.Length * (long)Math.Max(1, compiled.Count)) ? Mask(text, compiled) : "[REDACTED]");
        return !budget.Exhausted;
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
            ? (Bounded(expression), $"[REDACTED:{p}]")
            : (Bounded(p), "[REDACTED]"));

    /// <summary>The non-backtracking engine where the expression allows it (policies are checked for it); else the timeout bounds it.</summary>
    private static Regex Bounded(string expression)
    {
        try
        {
            return new Regex(expression, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);
        }
        catch (NotSupportedException)
        {
            // A policy stored before the check (a backreference or lookaround).
            return new Regex(expression, RegexOptions.CultureInvariant, MatchTimeout);
        }
    }
}

/// <summary>
/// How much redaction one body may cost: characters scanned (times patterns) and wall-clock time, whichever runs out
/// first. A body within it is redacted as the policy says; past it, the remaining strings are masked whole.
/// </summary>
public sealed class RedactionBudget(long characters, TimeSpan time)
{
    /// <summary>About a quarter of a second of the non-backtracking engine here for the default three patterns on a 1 MiB body.</summary>
    public static RedactionBudget PerBody() => new(PerBodyCharacters, TimeSpan.FromSeconds(1));

    /// <summary>Characters scanned (times patterns) a body's redaction may cost.</summary>
    public const long PerBodyCharacters = 8 * 1024 * 1024;

    private readonly long _started = Stopwatch.GetTimestamp();
    private long _characters = characters;

    public bool Exhausted { get; private set; }

    /// <summary>Whether <paramref name="cost"/> more may be spent (false from the first time it may not).</summary>
    public bool Take(long cost)
    {
        if (Exhausted)
        {
            return false;
        }
        _characters -= cost;
        Exhausted = _characters < 0 || Stopwatch.GetElapsedTime(_started) > time;
        return !Exhausted;
    }
}
