using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Fakes;

/// <summary>
/// Steering markers a test puts in the last user message:
/// <c>[status:529]</c> answer with that error status; <c>[midstream-error]</c> an <c>error</c> event after the
/// first delta; <c>[hang]</c> never answer; <c>[hang-stream]</c> stall after <c>message_start</c>;
/// <c>[gated]</c> wait for <see cref="FakeAnthropic.EventGate"/> before each event after the first;
/// <c>[delay:ms]</c> pause between events; <c>[words:n]</c> answer with n words; <c>[tool]</c> call the first tool;
/// <c>[cache-read:n]</c> report n cache-read tokens; <c>[input:n]</c> and <c>[output:n]</c> report exactly n input or
/// output tokens; <c>[fail-first:n]</c> answer with <c>[status:…]</c> only the first n times this prompt arrives;
/// <c>[exception-first]</c> (Bedrock) a stream whose first frame is a throttling exception; <c>[searches:n]</c> run the
/// offered web search tool n times (default once, at most its <c>max_uses</c>); <c>[drip:ms]</c> send the answer a few
/// bytes at a time, <c>ms</c> apart; <c>[garbage]</c> answer 200 with bytes that are not the promised format (a stream's
/// frames after <c>message_start</c>, or a cut JSON body), then close.
/// </summary>
public sealed partial record Markers
{
    public int? Status { get; init; }
    public bool MidStreamError { get; init; }
    public bool HangBeforeHeaders { get; init; }
    public bool HangAfterFirstEvent { get; init; }
    public bool DropAfterFirstEvent { get; init; }
    public bool Gated { get; init; }
    public int EventDelayMs { get; init; }
    public int Words { get; init; }
    public bool UseTool { get; init; }
    public int CacheRead { get; init; }
    public int? InputTokens { get; init; }
    public int? OutputTokens { get; init; }
    public int FailFirst { get; init; }
    public bool ExceptionFirst { get; init; }
    public int? Searches { get; init; }
    public int DripMs { get; init; }
    public bool Garbage { get; init; }

    /// <summary>Input tokens each fake web search's results add.</summary>
    public const int SearchResultTokens = 1_500;

    public static Markers Parse(string prompt)
    {
        var markers = new Markers();
        foreach (Match m in MarkerPattern().Matches(prompt))
        {
            var value = m.Groups["value"].Success ? int.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture) : 0;
            markers = m.Groups["name"].Value switch
            {
                "status" => markers with { Status = value },
                "midstream-error" => markers with { MidStreamError = true },
                "hang" => markers with { HangBeforeHeaders = true },
                "hang-stream" => markers with { HangAfterFirstEvent = true },
                "drop-stream" => markers with { DropAfterFirstEvent = true },
                "gated" => markers with { Gated = true },
                "delay" => markers with { EventDelayMs = value },
                "words" => markers with { Words = value },
                "tool" => markers with { UseTool = true },
                "cache-read" => markers with { CacheRead = value },
                "input" => markers with { InputTokens = value },
                "output" => markers with { OutputTokens = value },
                "fail-first" => markers with { FailFirst = value },
                "exception-first" => markers with { ExceptionFirst = true },
                "searches" => markers with { Searches = value },
                "drip" => markers with { DripMs = value },
                "garbage" => markers with { Garbage = true },
                _ => markers,
            };
        }
        return markers;
    }

    public static string Strip(string prompt) => MarkerPattern().Replace(prompt, "").Trim();

    [GeneratedRegex(@"\[(?<name>[a-z\-]+)(:(?<value>\d+))?\]")]
    private static partial Regex MarkerPattern();
}
