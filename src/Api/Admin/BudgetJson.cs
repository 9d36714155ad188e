using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Grains;
using Gateway.Grains.Budgets;
using Gateway.Grains.Common;

namespace Gateway.Api.Admin;

/// <summary>
/// The admin API's <c>budget</c> and <c>rate_limits</c> objects: read and checked from a request, and shown
/// with the current period's spend.
/// </summary>
public static class BudgetJson
{
    /// <summary>
    /// What keys and workspaces — the scopes a budget applies to — take alike. <c>budget</c> and <c>rate_limits</c> are
    /// read by hand (<see cref="ReadBudget"/>, <see cref="ReadRateLimits"/>): left out, null (cleared) and an object differ.
    /// </summary>
    public abstract record ScopeFields
    {
        public string? Name { get; init; }

        public Dictionary<string, string>? Metadata { get; init; }

        [DocumentedAs(typeof(BudgetRequest))]
        public JsonElement Budget { get; init; }

        [DocumentedAs(typeof(RateLimitsRequest))]
        public JsonElement RateLimits { get; init; }
    }

    /// <summary>A budget as requests give it: a limit in USD per <c>daily</c>, <c>weekly</c>, <c>monthly</c> or <c>total</c> period, with alert fractions.</summary>
    public sealed record BudgetRequest(decimal? LimitUsd, string? Period, List<decimal>? AlertAt = null);

    /// <summary>Requests per minute, tokens per minute and requests in flight; each left out is unlimited.</summary>
    public sealed record RateLimitsRequest(int? Rpm = null, long? Tpm = null, int? Concurrency = null);

    /// <summary>A budget as reads show it.</summary>
    public sealed record BudgetView(
        decimal LimitUsd,
        string Period,
        ImmutableArray<decimal> AlertAt,
        decimal SpentUsd,
        decimal ReservedUsd,
        decimal RemainingUsd,
        DateTimeOffset PeriodStart,
        DateTimeOffset? ResetsAt);

    /// <summary>Absent: not set; null: cleared; an object: the new budget.</summary>
    public static (bool Set, Budget? Budget) ReadBudget(JsonElement element, string field = "budget")
    {
        if (ReadOptional<BudgetRequest>(element, field, "{limit_usd, period, alert_at?}") is not { } request)
        {
            return (element.ValueKind == JsonValueKind.Null, null);
        }
        if (request.LimitUsd is not { } limit || limit < 0)
        {
            throw AdminException.Invalid($"{field}.limit_usd: required, a non-negative amount in USD.");
        }
        BudgetPeriod period = request.Period switch
        {
            "daily" => BudgetPeriod.Daily,
            "weekly" => BudgetPeriod.Weekly,
            "monthly" => BudgetPeriod.Monthly,
            "total" => BudgetPeriod.Total,
            _ => throw AdminException.Invalid($"{field}.period: required, one of daily, weekly, monthly, total."),
        };
        var alerts = request.AlertAt ?? [];
        if (alerts.Any(a => a is <= 0 or > 1))
        {
            throw AdminException.Invalid($"{field}.alert_at: fractions of the limit, each above 0 and at most 1.");
        }
        return (true, new Budget(limit, period, [.. alerts.Distinct().Order()]));
    }

    public static (bool Set, RateLimits? Limits) ReadRateLimits(JsonElement element, string field = "rate_limits")
    {
        if (ReadOptional<RateLimitsRequest>(element, field, "{rpm?, tpm?, concurrency?}") is not { } request)
        {
            return (element.ValueKind == JsonValueKind.Null, null);
        }
        if (request.Rpm is <= 0 || request.Tpm is <= 0 || request.Concurrency is <= 0)
        {
            throw AdminException.Invalid($"{field}: rpm, tpm and concurrency must be positive when set.");
        }
        var limits = new RateLimits(request.Rpm, request.Tpm, request.Concurrency);
        return (true, limits.IsEmpty ? null : limits);
    }

    /// <summary>The budget with its current period's spend, from the scope's budget grain.</summary>
    public static async Task<BudgetView?> ShowAsync(IGrainFactory grains, string scope, Budget? budget, RateLimits? limits)
    {
        if (budget is null)
        {
            return null;
        }
        var status = await grains.Budget(scope).GetStatusAsync(new ScopePolicy(budget, limits));
        return new BudgetView(budget.LimitUsd, budget.Period.ToString().ToLowerInvariant(), budget.AlertAt, status.SpentUsd, status.ReservedUsd,
            Math.Max(0, budget.LimitUsd - status.SpentUsd - status.ReservedUsd), status.PeriodStart, status.ResetsAt);
    }

    /// <summary>The object, or null when the field is absent or null; anything else is a 400 naming the field.</summary>
    internal static T? ReadOptional<T>(JsonElement element, string field, string shape) where T : class => element.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.Object => Deserialize<T>(element, field),
        _ => throw AdminException.Invalid($"{field}: must be an object {shape} or null."),
    };

    private static T Deserialize<T>(JsonElement element, string field)
    {
        try
        {
            return element.Deserialize<T>(AdminJson.Options)!;
        }
        catch (JsonException e)
        {
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? field : field + "." + e.Path.TrimStart('$', '.');
            throw AdminException.Invalid($"{where}: unknown field or wrong type.");
        }
    }
}
