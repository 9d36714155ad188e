using System.Text.Json;
using Gateway.Grains.Logging;

namespace Gateway.Api.Admin;

/// <summary>A workspace's <c>logging</c> object: <c>{mode: full|metadata_only|redacted, redact?: [...], retention_days?}</c>.</summary>
public static class LogPolicyJson
{
    public sealed record LogPolicyRequest(LogMode? Mode, List<string>? Redact, int? RetentionDays);

    /// <summary>Null when the field is absent or null (create: the default; PATCH: unchanged).</summary>
    public static LogPolicy? Read(JsonElement element) =>
        BudgetJson.ReadOptional<LogPolicyRequest>(element, "logging", "{mode, redact?, retention_days?}") is { } request
            ? LogPolicy.Validate(request.Mode ?? LogMode.Full, [.. request.Redact ?? []], request.RetentionDays)
            : null;
}
