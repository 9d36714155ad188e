namespace Gateway.Api.Budgets;

/// <summary><c>Gateway:Budgets</c>.</summary>
public sealed class BudgetOptions
{
    public const string Section = "Gateway:Budgets";

    /// <summary>
    /// How long a reservation outlives its request's last sign of life: a request still running renews it; one
    /// whose process died stops holding budget when it runs out.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a settle that failed is asked again before the budget is left to catch up from the ledger.</summary>
    public TimeSpan SettleRetryFor { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Tokens a server tool's result (a web search, a code run, an MCP call) is held at when the request does not bound
    /// it. Unset (the default), a result is held at the model's context window: the true bound, so a budget can never be
    /// overshot, at the price of large holds for requests with server tools. Set, holds are smaller and an answer whose
    /// results were larger is still recorded and charged exactly, but may take its budget past the limit by the excess.
    /// </summary>
    public long? ServerToolResultTokens { get; set; }
}
