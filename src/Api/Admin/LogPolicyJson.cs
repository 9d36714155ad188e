using System.Text.Json;
using Gateway.Grains.Logging;

namespace Gateway.Api.Admin;

/// <summary>A workspace's <c>logging</c> object: <c>{mode: full|metadata_only|redacted, redact?: [...], retention_days?}</c>.</summary>
public static class LogPolicyJson
{
    /// <param name="Mode">Full when left out.</param>
    /// <param name="Redact">Pattern names (<c>email</c>, <c>card_number</c>, <c>phone</c>) or regular expressions (mode <c>redacted</c>).</param>
    /// <param name="RetentionDays">Days the bodies are kept (1 to 36500; forever when left out).</param>
    public sealed record LogPolicyRequest(LogMode? Mode = null, List<string>? Redact = null, int? RetentionDays = null);

    /// <summary>Null when the field is absent or null (create: the default; PATCH: unchanged).</summary>
    public static LogPolicy? Read(JsonElement element) =>
        BudgetJson.ReadOptional<LogPolicyRequest>(element, "logging", "{mode, redact?, retention_days?}") is { } request
            ? LogPolicy.Validate(request.Mode ?? LogMode.Full, [.. request.Redact ?? []], request.RetentionDays)
            : null;
}
