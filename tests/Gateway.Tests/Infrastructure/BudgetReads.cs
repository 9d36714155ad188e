using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>A key's or workspace's budget as the admin API shows it.</summary>
public static class BudgetReads
{
    /// <summary>
    /// The <c>budget</c> of the key or workspace at <paramref name="path"/> once its spend reached
    /// <paramref name="expected"/>, or as it is after 10 s: each request settles with its budgets just after its
    /// answer, so a read right after the last answer can still see that request as reserved, not spent.
    /// </summary>
    public static Task<JsonObject> SettledAsync(HttpClient admin, string path, decimal expected) =>
        SettledAsync(admin, path, spent => spent == expected);

    /// <summary>The <c>budget</c> once its spend satisfies <paramref name="settled"/>, or as it is after 10 s.</summary>
    public static async Task<JsonObject> SettledAsync(HttpClient admin, string path, Func<decimal, bool> settled)
    {
        var budget = await ReadAsync(admin, path);
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !settled(Spent(budget)) && DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            budget = await ReadAsync(admin, path);
        }
        return budget;
    }

    private static async Task<JsonObject> ReadAsync(HttpClient admin, string path) =>
        (await admin.GetFromJsonAsync<JsonObject>(path))!["budget"]!.AsObject();

    private static decimal Spent(JsonObject budget) => budget["spent_usd"]!.GetValue<decimal>();
}
