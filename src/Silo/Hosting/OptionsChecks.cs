using Gateway.Api.Budgets;
using Gateway.Api.Console;
using Gateway.Api.DataPlane;
using Gateway.Api.Logs;
using Gateway.Api.Routing;
using Gateway.Api.SignOn;
using Gateway.Api.Telemetry;
using Gateway.Projections.Ledger;
using Gateway.Projections.Logs;
using Microsoft.Extensions.Options;

namespace Gateway.Silo.Hosting;

/// <summary>
/// Every options section checked when the process starts: a value that cannot be read (<c>Lease=5m</c>) or makes no
/// sense (a negative lease, no ledger writer) stops the start with a message naming the setting, instead of a gateway
/// that misbehaves later.
/// </summary>
internal static class OptionsChecks
{
    public static IServiceCollection AddOptionsChecks(this IServiceCollection services)
    {
        Check<DataPlaneOptions>(services, DataPlaneOptions.Section, o =>
        [
            AtLeast(o.MaxRequestBodyBytes, 1, nameof(o.MaxRequestBodyBytes)),
            AtLeast(o.MaxResponseBodyBytes, 1, nameof(o.MaxResponseBodyBytes)),
        ]);
        Check<RoutingOptions>(services, RoutingOptions.Section, o =>
        [
            AtLeast(o.BreakerFailures, 1, nameof(o.BreakerFailures)),
            Positive(o.BreakerOpenFor, nameof(o.BreakerOpenFor)),
            o.BreakerMaxOpenFor < o.BreakerOpenFor ? $"BreakerMaxOpenFor ({o.BreakerMaxOpenFor}) must be at least BreakerOpenFor ({o.BreakerOpenFor})" : null,
            NotNegative(o.RetryBaseDelay, nameof(o.RetryBaseDelay)),
            Positive(o.MaxRequestDuration, nameof(o.MaxRequestDuration)),
            NotNegative(o.MaxRetryAfter, nameof(o.MaxRetryAfter)),
        ]);
        Check<LedgerOptions>(services, LedgerOptions.Section, o =>
        [
            AtLeast(o.MaxBatch, 1, nameof(o.MaxBatch)),
            AtLeast(o.Writers, 1, nameof(o.Writers)),
            AtLeast(o.Attempts, 1, nameof(o.Attempts)),
            Positive(o.StallAfter, nameof(o.StallAfter)),
            Positive(o.AttemptTimeout, nameof(o.AttemptTimeout)),
            Positive(o.MaxCommitWait, nameof(o.MaxCommitWait)),
        ]);
        Check<BudgetOptions>(services, BudgetOptions.Section, o =>
        [
            Positive(o.Lease, nameof(o.Lease)),
            NotNegative(o.SettleRetryFor, nameof(o.SettleRetryFor)),
            o.ServerToolResultTokens is < 1 ? $"ServerToolResultTokens must be a positive number of tokens, or unset (got {o.ServerToolResultTokens})" : null,
        ]);
        Check<LogsOptions>(services, LogsOptions.Section, o =>
        [
            AtLeast(o.MaxBodyBytes, 1, nameof(o.MaxBodyBytes)),
        ]);
        Check<BodyLogOptions>(services, BodyLogOptions.Section, o =>
        [
            AtLeast(o.QueueCapacity, 1, nameof(o.QueueCapacity)),
            AtLeast(o.QueueBytes, 1, nameof(o.QueueBytes)),
            NotNegative(o.BatchWindow, nameof(o.BatchWindow)),
            Positive(o.RetentionSweepInterval, nameof(o.RetentionSweepInterval)),
        ]);
        Check<SignOnOptions>(services, SignOnOptions.Section, o =>
        [
            NotNegative(o.ClockSkew, nameof(o.ClockSkew)),
            o.ClockSkew > TimeSpan.FromMinutes(5) ? $"ClockSkew must be at most 5 minutes (got {o.ClockSkew})" : null,
            o.KeyRefreshInterval < TimeSpan.FromSeconds(1) ? $"KeyRefreshInterval must be at least 1 second (got {o.KeyRefreshInterval})" : null,
            AtLeast(o.MaxTokenBytes, 1024, nameof(o.MaxTokenBytes)),
        ]);
        // Only whether they can be read: any value of these flags makes sense.
        Check<TelemetryOptions>(services, TelemetryOptions.Section, _ => []);
        Check<ConsoleOptions>(services, ConsoleOptions.Section, o => [Positive(o.SessionLifetime, nameof(o.SessionLifetime))]);
        // An http authority is as acceptable as an http identity provider: only where those are (local test issuers).
        services.AddSingleton<IValidateOptions<ConsoleOptions>>(sp => new Rules<ConsoleOptions>(ConsoleOptions.Section + ":SignIn",
            o => [.. o.SignIn.Problems(sp.GetRequiredService<IOptions<SignOnOptions>>().Value.AllowHttpIssuers)]));
        Check<ShutdownOptions>(services, ShutdownOptions.Section, o => [NotNegative(o.DrainDelay, nameof(o.DrainDelay))]);
        return services;
    }

    private static void Check<T>(IServiceCollection services, string section, Func<T, string?[]> problems) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new Rules<T>(section, problems));
        services.AddOptions<T>().ValidateOnStart();
    }

    private static string? AtLeast(long value, long least, string name) => value < least ? $"{name} must be at least {least} (got {value})" : null;

    private static string? Positive(TimeSpan value, string name) => value <= TimeSpan.Zero ? $"{name} must be longer than 0 (got {value})" : null;

    private static string? NotNegative(TimeSpan value, string name) => value < TimeSpan.Zero ? $"{name} must not be negative (got {value})" : null;

    private sealed class Rules<T>(string section, Func<T, string?[]> problems) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var found = problems(options).OfType<string>().Select(p => $"{section}:{p}").ToList();
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}
