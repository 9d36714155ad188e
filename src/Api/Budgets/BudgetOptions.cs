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
}
