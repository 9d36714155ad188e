using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using Gateway.Api.Budgets;
using Gateway.Grains.Budgets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Api.Budgets;

/// <summary>
/// The front's side of budgets when a budget grain fails: a reservation that cannot be made everywhere is released
/// where it was made, and a settle that fails is asked again until it lands.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BudgetGateTests
{
    private static readonly ImmutableArray<ScopedPolicy> Scopes =
    [
        new("key:k1", new ScopePolicy(new Budget(10m, BudgetPeriod.Monthly, []), null)),
        new("workspace:w1", new ScopePolicy(new Budget(10m, BudgetPeriod.Monthly, []), null)),
    ];

    [Fact]
    public async Task A_scope_that_cannot_answer_makes_the_reservation_fail_and_the_holds_taken_elsewhere_are_released()
    {
        var budgets = new ScriptedBudgets { FailReserveIn = "workspace:w1" };
        var gate = Gate(budgets, new FakeTimeProvider());

        await Assert.ThrowsAsync<BudgetsUnavailableException>(() => gate.ReserveAsync("req_1", Scopes, 0.5m, 1_000, DateTimeOffset.UtcNow));

        await WaitUntilAsync(() => budgets.Released.Contains(("key:k1", "req_1")));
        Assert.DoesNotContain(("workspace:w1", "req_1"), budgets.Released);
    }

    [Fact]
    public async Task A_settle_that_fails_is_asked_again_with_growing_pauses_until_it_lands()
    {
        var budgets = new ScriptedBudgets { FailSettlesIn = { ["workspace:w1"] = 3 } };
        var clock = new FakeTimeProvider();
        var gate = Gate(budgets, clock);
        await gate.StartAsync(CancellationToken.None);

        await gate.SettleAsync("req_2", Scopes, 0.25m, 500);

        Assert.Equal([("key:k1", "req_2", 0.25m)], budgets.Settled);
        Assert.Equal(1, gate.PendingSettles);
        // Pauses of 1, 2 and 4 s on the gate's clock: the fourth try lands.
        await AdvanceUntilAsync(clock, () => gate.PendingSettles == 0);
        Assert.Contains(("workspace:w1", "req_2", 0.25m), budgets.Settled);
        Assert.Equal(4, budgets.Calls("workspace:w1"));
        await gate.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_settle_failing_for_longer_than_the_retry_window_is_left_to_the_ledger()
    {
        var budgets = new ScriptedBudgets { FailSettlesIn = { ["workspace:w1"] = int.MaxValue } };
        var clock = new FakeTimeProvider();
        var gate = Gate(budgets, clock, retryFor: TimeSpan.FromSeconds(5));
        await gate.StartAsync(CancellationToken.None);

        await gate.SettleAsync("req_3", Scopes, 0.25m, 500);
        await AdvanceUntilAsync(clock, () => gate.PendingSettles == 0);

        Assert.DoesNotContain(budgets.Settled, s => s.Scope == "workspace:w1");
        await gate.StopAsync(CancellationToken.None);
    }

    private static BudgetGate Gate(ScriptedBudgets budgets, TimeProvider clock, TimeSpan? retryFor = null) =>
        new(budgets.Factory, Options.Create(new BudgetOptions { SettleRetryFor = retryFor ?? TimeSpan.FromHours(1) }), clock, NullLogger<BudgetGate>.Instance);

    /// <summary>Moves the gate's clock a second at a time (letting its loop run between) until the condition holds.</summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider clock, Func<bool> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(20); !condition(); await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !condition(); await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
        }
    }

    /// <summary>Budget grains whose answers a test scripts, behind a grain factory (both dynamic proxies).</summary>
    internal sealed class ScriptedBudgets
    {
        private readonly ConcurrentDictionary<string, int> _calls = new();

        public ScriptedBudgets() => Factory = GrainFactoryProxy.Create(this);

        public IGrainFactory Factory { get; }
        public string? FailReserveIn { get; init; }
        public Dictionary<string, int> FailSettlesIn { get; } = [];
        public ConcurrentBag<(string Scope, string RequestId)> Released { get; } = [];
        public ConcurrentBag<(string Scope, string RequestId, decimal Cost)> Settled { get; } = [];

        public int Calls(string scope) => _calls.GetValueOrDefault(scope);

        public object? Invoke(string scope, MethodInfo method, object?[] args)
        {
            switch (method.Name)
            {
                case nameof(IBudgetGrain.ReserveAsync):
                    return scope == FailReserveIn
                        ? Task.FromException<BudgetVerdict>(new TimeoutException("the grain did not answer"))
                        : Task.FromResult(BudgetVerdict.Admit);
                case nameof(IBudgetGrain.ReleaseAsync):
                    Released.Add((scope, (string)args[0]!));
                    return Task.CompletedTask;
                case nameof(IBudgetGrain.SettleAsync):
                    var calls = _calls.AddOrUpdate(scope, 1, (_, n) => n + 1);
                    if (calls <= FailSettlesIn.GetValueOrDefault(scope))
                    {
                        return Task.FromException(new TimeoutException("the grain is moving"));
                    }
                    Settled.Add((scope, (string)args[0]!, (decimal)args[1]!));
                    return Task.CompletedTask;
                default:
                    return Task.CompletedTask;
            }
        }
    }

    public class GrainFactoryProxy : DispatchProxy
    {
        private ScriptedBudgets _budgets = null!;

        internal static IGrainFactory Create(ScriptedBudgets budgets)
        {
            var proxy = Create<IGrainFactory, GrainFactoryProxy>();
            ((GrainFactoryProxy)(object)proxy)._budgets = budgets;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method is { Name: nameof(IGrainFactory.GetGrain), IsGenericMethod: true } && method.GetGenericArguments()[0] == typeof(IBudgetGrain))
            {
                return BudgetGrainProxy.Create(_budgets, ((string)args![0]!)[2..]);
            }
            throw new NotSupportedException(method?.Name);
        }
    }

    public class BudgetGrainProxy : DispatchProxy
    {
        private ScriptedBudgets _budgets = null!;
        private string _scope = "";

        internal static IBudgetGrain Create(ScriptedBudgets budgets, string scope)
        {
            var proxy = Create<IBudgetGrain, BudgetGrainProxy>();
            var self = (BudgetGrainProxy)(object)proxy;
            self._budgets = budgets;
            self._scope = scope;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args) => _budgets.Invoke(_scope, method!, args!);
    }
}
