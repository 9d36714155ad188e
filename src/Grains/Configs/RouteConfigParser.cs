using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Grains.Common;

namespace Gateway.Grains.Configs;

/// <summary>Reads the SPEC's routing config JSON (Portkey-style, nestable), refusing what it cannot route.</summary>
public static class RouteConfigParser
{
    /// <summary>Nesting deeper than this is a mistake, not a design; it also bounds the work per request.</summary>
    public const int MaxDepth = 4;

    /// <summary>Weights are relative; this bound keeps their sum far from overflowing.</summary>
    public const int MaxWeight = 1_000_000;

    /// <summary>A retry count above this would hold a client for minutes.</summary>
    public const int MaxRetryAttempts = 5;

    public static RouteConfig Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw AdminException.Invalid($"config: not valid JSON ({e.Message}).");
        }
        using (document)
        {
            return Parse(document.RootElement);
        }
    }

    public static RouteConfig Parse(JsonElement config) => ParseGroup(config, "config", RouteConfig.DefaultRequestTimeoutMs, depth: 0);

    private static RouteConfig ParseGroup(JsonElement config, string path, int inheritedTimeoutMs, int depth)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw AdminException.Invalid($"{path}: must be a JSON object.");
        }
        if (depth > MaxDepth)
        {
            throw AdminException.Invalid($"{path}: targets nest deeper than {MaxDepth} levels.");
        }
        RejectUnknown(config, path, depth == 0 ? ["strategy", "targets", "request_timeout_ms"] : ["strategy", "targets", "request_timeout_ms", "weight"]);

        var mode = RouteModes.Single;
        var onStatusCodes = RouteConfig.DefaultFallbackStatusCodes;
        if (config.TryGetProperty("strategy", out var strategy))
        {
            if (strategy.ValueKind != JsonValueKind.Object || !strategy.TryGetProperty("mode", out var modeElement)
                || modeElement.ValueKind != JsonValueKind.String)
            {
                throw AdminException.Invalid($"{path}.strategy.mode: required, a string.");
            }
            RejectUnknown(strategy, $"{path}.strategy", ["mode", "on_status_codes"]);
            mode = modeElement.GetString()!;
            if (mode is not (RouteModes.Single or RouteModes.Fallback or RouteModes.LoadBalance))
            {
                throw AdminException.Invalid($"{path}.strategy.mode: must be single, fallback or loadbalance (got '{mode}').");
            }
            if (strategy.TryGetProperty("on_status_codes", out var codes))
            {
                onStatusCodes = StatusCodes(codes, $"{path}.strategy.on_status_codes");
            }
        }

        var timeout = inheritedTimeoutMs;
        if (config.TryGetProperty("request_timeout_ms", out var timeoutElement)
            && (!timeoutElement.TryGetInt32(out timeout) || timeout <= 0))
        {
            throw AdminException.Invalid($"{path}.request_timeout_ms: must be a positive integer.");
        }

        if (!config.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array || targets.GetArrayLength() == 0)
        {
            throw AdminException.Invalid($"{path}.targets: required, a non-empty array.");
        }
        if (mode == RouteModes.Single && targets.GetArrayLength() != 1)
        {
            throw AdminException.Invalid($"{path}.targets: a 'single' config has exactly one target.");
        }

        var parsed = ImmutableArray.CreateBuilder<RouteTarget>();
        var index = 0;
        foreach (var target in targets.EnumerateArray())
        {
            parsed.Add(ParseTarget(target, $"{path}.targets[{index++}]", timeout, depth));
        }
        return new RouteConfig(mode, parsed.ToImmutable(), timeout, onStatusCodes);
    }

    private static RouteTarget ParseTarget(JsonElement target, string path, int timeoutMs, int depth)
    {
        if (target.ValueKind != JsonValueKind.Object)
        {
            throw AdminException.Invalid($"{path}: must be an object.");
        }
        var weight = 1;
        if (target.TryGetProperty("weight", out var weightElement) && (!weightElement.TryGetInt32(out weight) || weight <= 0 || weight > MaxWeight))
        {
            throw AdminException.Invalid($"{path}.weight: must be an integer from 1 to {MaxWeight}.");
        }
        if (target.TryGetProperty("targets", out _) || target.TryGetProperty("strategy", out _))
        {
            if (target.TryGetProperty("provider", out _))
            {
                throw AdminException.Invalid($"{path}: a target is either a provider or a nested group (strategy and targets), not both.");
            }
            return new RouteTarget(null, null, weight, null, ParseGroup(target, path, timeoutMs, depth + 1));
        }
        RejectUnknown(target, path, ["provider", "weight", "override_params", "retry"]);
        if (!target.TryGetProperty("provider", out var providerElement) || providerElement.ValueKind != JsonValueKind.String)
        {
            throw AdminException.Invalid($"{path}.provider: required, a provider slug such as \"@anthropic-prod\".");
        }
        var provider = providerElement.GetString()!.TrimStart('@');
        Slugs.Require(provider, $"{path}.provider");

        string? model = null;
        if (target.TryGetProperty("override_params", out var overrides))
        {
            if (overrides.ValueKind != JsonValueKind.Object)
            {
                throw AdminException.Invalid($"{path}.override_params: must be an object.");
            }
            RejectUnknown(overrides, $"{path}.override_params", ["model"]);
            if (overrides.TryGetProperty("model", out var modelElement))
            {
                if (modelElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(modelElement.GetString()))
                {
                    throw AdminException.Invalid($"{path}.override_params.model: must be a model id.");
                }
                model = modelElement.GetString();
            }
        }

        RetryPolicy? retry = null;
        if (target.TryGetProperty("retry", out var retryElement))
        {
            if (retryElement.ValueKind != JsonValueKind.Object)
            {
                throw AdminException.Invalid($"{path}.retry: must be an object.");
            }
            RejectUnknown(retryElement, $"{path}.retry", ["attempts", "on_status_codes"]);
            if (!retryElement.TryGetProperty("attempts", out var attemptsElement) || !attemptsElement.TryGetInt32(out var attempts)
                || attempts < 0 || attempts > MaxRetryAttempts)
            {
                throw AdminException.Invalid($"{path}.retry.attempts: required, an integer from 0 to {MaxRetryAttempts} (retries after the first try).");
            }
            var codes = retryElement.TryGetProperty("on_status_codes", out var codesElement)
                ? StatusCodes(codesElement, $"{path}.retry.on_status_codes")
                : RetryPolicy.DefaultStatusCodes;
            retry = new RetryPolicy(attempts, codes);
        }
        return new RouteTarget(provider, model, weight, retry);
    }

    private static ImmutableArray<int> StatusCodes(JsonElement codes, string path)
    {
        if (codes.ValueKind != JsonValueKind.Array)
        {
            throw AdminException.Invalid($"{path}: must be an array of HTTP status codes.");
        }
        var parsed = ImmutableArray.CreateBuilder<int>();
        foreach (var code in codes.EnumerateArray())
        {
            if (!code.TryGetInt32(out var status) || status is < 400 or > 599)
            {
                throw AdminException.Invalid($"{path}: {code.GetRawText()} is not an HTTP error status (400-599).");
            }
            parsed.Add(status);
        }
        return parsed.ToImmutable();
    }

    private static void RejectUnknown(JsonElement element, string path, string[] known)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                throw AdminException.Invalid($"{path}.{property.Name}: unknown field (known: {string.Join(", ", known)}).");
            }
        }
    }
}
