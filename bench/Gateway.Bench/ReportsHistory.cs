using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Projections.Logs;
using Gateway.Projections.Usage;

namespace Gateway.Bench;

/// <summary>
/// The <c>reports</c> benchmark's synthetic history: logged requests (a usage event and a body event each) spread
/// over its workspaces, keys, models, users and cost centres, with prompts and answers from a skewed vocabulary.
/// </summary>
internal static class ReportsHistory
{
    public const int Workspaces = 40;
    public const int KeysPerWorkspace = 10;
    public const int Users = 2_000;
    private const int CostCentres = 25;

    // Request ids are unique per run: on a database from an earlier run (--connection) the same ids would be taken
    // already, every projection insert would skip its row (ON CONFLICT DO NOTHING), and the lag would measure nothing.
    private static readonly string Run = DateTime.UtcNow.Ticks.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    public static readonly string[] Models = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5", "claude-sonnet-4-6", "claude-3-5-haiku-20241022"];
    private static readonly string[] Syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fi", "gu", "he", "ja", "ko", "le", "mo", "nu", "ri"];

    public static (UsageRecorded Usage, RequestContentRecorded Content) Request(int i, Random random, string[] vocabulary, DateTimeOffset at)
    {
        var key = random.Next(Workspaces * KeysPerWorkspace);
        var model = Models[random.Next(Models.Length)];
        var input = 200 + random.Next(4_000);
        var output = 50 + random.Next(800);
        var failed = random.Next(50) == 0;
        var id = $"req_bench_{Run}_{i:D9}_{random.Next():x8}";
        var metadata = ImmutableDictionary<string, string>.Empty.Add("user", $"user-{random.Next(Users):D4}");
        if (random.Next(10) > 0)
        {
            metadata = metadata.Add("cost_centre", $"cc-{random.Next(CostCentres):D2}");
        }
        var prompt = Sentence(random, vocabulary, 30 + random.Next(40));
        var answer = Sentence(random, vocabulary, 30 + random.Next(60));
        var usage = new UsageRecorded
        {
            RequestId = id,
            StartedAt = at,
            StartedAtMs = at.ToUnixTimeMilliseconds(),
            Endpoint = "messages",
            KeyId = $"key-{key:D4}",
            Workspace = $"ws-{key / KeysPerWorkspace:D2}",
            Provider = random.Next(3) == 0 ? "bedrock" : "anthropic",
            Model = model,
            Stream = random.Next(2) == 0,
            Status = failed ? 529 : 200,
            Outcome = failed ? UsageOutcomes.ProviderError : UsageOutcomes.Completed,
            InputTokens = failed ? 0 : input,
            OutputTokens = failed ? 0 : output,
            CostUsd = failed ? 0m : (input * 3m + output * 15m) / 1_000_000m,
            PriceVersion = Gateway.Projections.Models.ModelCatalog.Default.PriceVersion,
            LatencyMs = 200 + random.Next(20_000),
            TimeToFirstByteMs = 100 + random.Next(900),
            Metadata = metadata,
        };
        var content = new RequestContentRecorded
        {
            RequestId = id,
            Workspace = usage.Workspace,
            StartedAt = at,
            Request = JsonSerializer.SerializeToElement(new { model, max_tokens = 1024, messages = new[] { new { role = "user", content = prompt } } }),
            Response = JsonSerializer.SerializeToElement(new
            {
                id = "msg_" + id,
                type = "message",
                role = "assistant",
                model,
                content = new[] { new { type = "text", text = answer } },
                stop_reason = "end_turn",
                usage = new { input_tokens = input, output_tokens = output },
            }),
        };
        return (usage, content);
    }

    /// <summary>Words drawn with a Zipf-like skew: a few are everywhere, most are rare.</summary>
    private static string Sentence(Random random, string[] vocabulary, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(_ => vocabulary[(int)(vocabulary.Length * Math.Pow(random.NextDouble(), 3))]));

    public static string[] Vocabulary()
    {
        var words = new HashSet<string>();
        var random = new Random(11);
        while (words.Count < 20_000)
        {
            words.Add(string.Concat(Enumerable.Range(0, 2 + random.Next(3)).Select(_ => Syllables[random.Next(Syllables.Length)])));
        }
        return [.. words];
    }
}
