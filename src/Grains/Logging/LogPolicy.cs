using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Gateway.Grains.Common;

namespace Gateway.Grains.Logging;

/// <summary>What the request log keeps of a workspace's requests.</summary>
public enum LogMode
{
    /// <summary>Metadata, and the request and response bodies as they were.</summary>
    Full,

    /// <summary>Metadata only: no body is stored anywhere.</summary>
    MetadataOnly,

    /// <summary>Bodies with every match of the workspace's patterns masked before they are stored.</summary>
    Redacted,
}

/// <summary>
/// A workspace's request-log policy. <paramref name="Redact"/> holds named patterns (<c>email</c>, <c>card_number</c>,
/// <c>phone</c>) or regular expressions; <paramref name="RetentionDays"/> removes a request's bodies that many days
/// after it (its metadata, usage and cost stay: spend must still add up).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LogPolicy(
    [property: Id(0)] LogMode Mode,
    [property: Id(1)] ImmutableArray<string> Redact,
    [property: Id(2)] int? RetentionDays)
{
    /// <summary>The default: full bodies, kept until deleted.</summary>
    public static LogPolicy Default { get; } = new(LogMode.Full, [], null);

    /// <summary>Named patterns a policy may list instead of writing the expression.</summary>
    public static ImmutableDictionary<string, string> NamedPatterns { get; } = new Dictionary<string, string>
    {
        ["email"] = @"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}",
        // 13 to 19 digits, optionally grouped by spaces or dashes: the card number lengths in use.
        ["card_number"] = @"\b(?:\d[ \-]?){12,18}\d\b",
        ["phone"] = @"\+?\d[\d \-().]{7,}\d",
    }.ToImmutableDictionary();

    /// <summary>Checks a policy an admin sent; throws a 400 naming the problem.</summary>
    public static LogPolicy Validate(LogMode mode, ImmutableArray<string> redact, int? retentionDays)
    {
        redact = redact.IsDefault ? [] : redact;
        if (!Enum.IsDefined(mode))
        {
            throw AdminException.Invalid("logging.mode: must be full, metadata_only or redacted.");
        }
        if (redact.Any(string.IsNullOrWhiteSpace))
        {
            throw AdminException.Invalid("logging.redact: entries must be pattern names or regular expressions, not empty.");
        }
        if (retentionDays is < 1 or > 36_500)
        {
            throw AdminException.Invalid("logging.retention_days: must be from 1 to 36500 days.");
        }
        if (mode != LogMode.Redacted && redact.Length > 0)
        {
            throw AdminException.Invalid("logging.redact: only a redacted policy masks patterns; set mode to redacted.");
        }
        if (mode == LogMode.Redacted && redact.Length == 0)
        {
            // Redacted without a list means the common personal data.
            redact = ["email", "card_number"];
        }
        foreach (var pattern in redact)
        {
            if (NamedPatterns.ContainsKey(pattern))
            {
                continue;
            }
            try
            {
                // The non-backtracking engine keeps redaction linear in the body's size, whatever the expression.
                _ = new Regex(pattern, RegexOptions.NonBacktracking, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException e)
            {
                throw AdminException.Invalid($"logging.redact: '{pattern}' is neither {string.Join(", ", NamedPatterns.Keys.Order())} nor a valid regular expression ({e.Message}).");
            }
            catch (NotSupportedException)
            {
                throw AdminException.Invalid($"logging.redact: '{pattern}' uses a construct (a backreference, lookaround or atomic group) whose matching time cannot be bounded.");
            }
        }
        return new LogPolicy(mode, redact, retentionDays);
    }
}
