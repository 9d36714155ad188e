using System.Collections.Immutable;
using Gateway.Api.Budgets;
using Gateway.Api.Telemetry;
using Gateway.Grains.Budgets;
using Gateway.Grains.Configs;
using Gateway.Grains.Keys;
using Gateway.Projections.Models;

namespace Gateway.Api.DataPlane;

/// <summary>
/// A request's holds on its budgets and rate limits: reserved before it is routed, settled to its recorded cost
/// when it is over.
/// </summary>
public sealed class BudgetHolds(BudgetGate budgets, GatewayMetrics metrics)
{
    /// <summary><see cref="BudgetOptions.ServerToolResultTokens"/>, when set.</summary>
    public long? ServerToolResultTokens => budgets.ServerToolResultTokens;

    /// <summary>Reserves what the request may cost in every scope it belongs to; the verdict when one refuses.</summary>
    internal async Task<BudgetVerdict?> ReserveAsync(Exchange exchange, AdmittedRequest admitted, MessagesRequest.Shape shape, string model)
    {
        using var reserving = RequestSpans.StartStep(RequestSpans.Reservation);
        var refusal = await HoldAsync(exchange, admitted, shape, model);
        if (refusal?.Refusal is { } reason)
        {
            metrics.BudgetRefused(exchange.Workspace, reason);
            reserving?.SetTag("gateway.budget.refusal", reason.ToString());
        }
        return refusal;
    }

    private async Task<BudgetVerdict?> HoldAsync(Exchange exchange, AdmittedRequest admitted, MessagesRequest.Shape shape, string model)
    {
        if (shape == MessagesRequest.Shape.Messages && !admitted.Scopes.IsEmpty)
        {
            return await ReserveCostAsync(exchange, admitted.Scopes, admitted.Route, model);
        }
        if (BudgetGate.RateLimitsOnly(admitted.Scopes) is { IsEmpty: false } limited)
        {
            // count_tokens is not billed, but it is a request: requests per minute and concurrency hold for it.
            var refusal = await budgets.ReserveAsync(exchange.RequestId, limited, 0, 0, exchange.StartedAt);
            exchange.Holds = refusal is null ? limited : [];
            return refusal;
        }
        return null;
    }

    /// <summary>Settles the holds to the recorded cost, or leaves them to their lease when nothing was recorded.</summary>
    internal async Task SettleAsync(Exchange exchange)
    {
        if (exchange.Holds.IsEmpty)
        {
            return;
        }
        if (exchange.Recorded is not { } record)
        {
            budgets.Abandon(exchange.RequestId);
            return;
        }
        var tokens = record.InputTokens + record.CacheCreationInputTokens + record.CacheReadInputTokens + record.OutputTokens;
        await budgets.SettleAsync(exchange.RequestId, exchange.Holds, record.CostUsd ?? 0, tokens);
    }

    /// <summary>
    /// Holds the request's cost bound in every scope it belongs to — at the dearest model any target of the route
    /// may use, since a fallback can land on it; the verdict when one refuses.
    /// </summary>
    private async Task<BudgetVerdict?> ReserveCostAsync(Exchange exchange, ImmutableArray<ScopedPolicy> scopes, RouteConfig route, string model)
    {
        var budgeted = scopes.FirstOrDefault(s => s.Policy.Budget is not null);
        var catalog = exchange.Catalog!;
        decimal amount = 0;
        long tokens = 0;
        foreach (var (provider, candidate) in route.Candidates(model))
        {
            var bound = exchange.Bound.Within(catalog.Find(candidate)?.Model.ContextWindow, exchange.ServerToolResultTokens);
            tokens = Math.Max(tokens, bound.TokensPerRound);
            if (catalog.Price(candidate, provider) is { } price)
            {
                amount = Math.Max(amount, bound.Cost(price, catalog.ServerTools));
            }
            else if (budgeted is not null)
            {
                return BudgetVerdict.Deny(BudgetRefusal.Unpriced, Unpriced(catalog, candidate, BudgetScopes.Describe(budgeted.Scope)));
            }
        }
        var verdict = await budgets.ReserveAsync(exchange.RequestId, scopes, amount, tokens, exchange.StartedAt);
        if (verdict is null)
        {
            exchange.Holds = scopes;
            exchange.ReservedUsd = budgeted is null ? null : amount;
        }
        return verdict;
    }

    /// <summary>The refusal of a model without a price under a budget, telling the admin how to price it.</summary>
    private static string Unpriced(ModelCatalog catalog, string model, string scope)
    {
        var known = catalog.Find(model)?.Model.Id;
        var how = known is not null
            ? $"an admin can price it with PATCH /admin/v1/models/{known} {{\"prices\": {{\"input\": …, \"output\": …}}}} (USD per million tokens)"
            : "an admin can add it with its prices through POST /admin/v1/models {\"id\": …, \"display_name\": …, \"prices\": {\"input\": …, \"output\": …}} (USD per million tokens)";
        return $"No price is known for model '{model}' (price version {catalog.PriceVersion}), and {scope} has a budget, so the request cannot be admitted; {how}.";
    }
}
