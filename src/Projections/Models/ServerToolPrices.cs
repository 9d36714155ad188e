using System.Text.Json.Nodes;

namespace Gateway.Projections.Models;

/// <summary>How often a request used each of Anthropic's server tools that carries a fee.</summary>
public readonly record struct ServerToolUses(long WebSearch, long WebFetch, long CodeExecution)
{
    public bool IsEmpty => WebSearch == 0 && WebFetch == 0 && CodeExecution == 0;

    /// <summary>The larger count of each tool: what neither of two readings of one answer under-counts.</summary>
    public ServerToolUses AtLeast(ServerToolUses other) => new(
        Math.Max(WebSearch, other.WebSearch), Math.Max(WebFetch, other.WebFetch), Math.Max(CodeExecution, other.CodeExecution));
}

/// <summary>
/// Fees of the server tools, in USD per use, on top of the tokens their results add to the input (<c>prices.json</c>'s
/// <c>server_tools</c>, versioned with the token prices). Code execution is billed by container time the answer does
/// not report: each run is charged the provider's minimum billable container time.
/// </summary>
public sealed record ServerToolPrices(decimal WebSearchPerUse, decimal WebFetchPerUse, decimal CodeExecutionPerUse)
{
    private const decimal FeeScale = 10_000_000_000m;

    public static ServerToolPrices None { get; } = new(0, 0, 0);

    public decimal Fees(ServerToolUses uses) =>
        uses.WebSearch * WebSearchPerUse + uses.WebFetch * WebFetchPerUse + uses.CodeExecution * CodeExecutionPerUse;

    /// <summary>Reads <c>server_tools</c>: <c>web_search.per_use</c>, <c>web_fetch.per_use</c>, <c>code_execution.per_container_hour</c> and <c>minimum_minutes</c>.</summary>
    public static ServerToolPrices Read(JsonObject table)
    {
        var perHour = Amount(table, "code_execution", "per_container_hour");
        var minutes = Amount(table, "code_execution", "minimum_minutes");
        // Rounded up to a tenth of a micro-dollar: a repeating fraction would carry 28 digits into every sum of costs.
        var perRun = Math.Ceiling(perHour * minutes / 60m * FeeScale) / FeeScale;
        return new ServerToolPrices(Amount(table, "web_search", "per_use"), Amount(table, "web_fetch", "per_use"), perRun);
    }

    private static decimal Amount(JsonObject table, string tool, string field)
    {
        var value = (table[tool] as JsonObject)?[field] ?? throw new InvalidDataException($"prices.json server_tools has no {tool}.{field}.");
        var amount = value.GetValue<decimal>();
        return amount >= 0 ? amount : throw new InvalidDataException($"prices.json server_tools.{tool}.{field} is negative.");
    }
}
