using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Grains.Common;

namespace Gateway.Grains.Configs;

/// <summary>Reads the SPEC's routing config JSON, refusing what this gateway version cannot route.</summary>
public static class RouteConfigParser
{
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

    public static RouteConfig Parse(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw AdminException.Invalid("config: must be a JSON object.");
        }
        RejectUnknown(config, "config", "strategy", "targets", "request_timeout_ms");

        var mode = RouteModes.Single;
        if (config.TryGetProperty("strategy", out var strategy))
        {
            if (strategy.ValueKind != JsonValueKind.Object || !strategy.TryGetProperty("mode", out var modeElement)
                || modeElement.ValueKind != JsonValueKind.String)
            {
                throw AdminException.Invalid("config.strategy.mode: required, a string.");
            }
            mode = modeElement.GetString()!;
            if (mode is RouteModes.Fallback or RouteModes.LoadBalance)
            {
                throw AdminException.Invalid($"config.strategy.mode: '{mode}' routing is not supported by this gateway version yet; use 'single'.");
            }
            if (mode != RouteModes.Single)
            {
                throw AdminException.Invalid($"config.strategy.mode: must be single, fallback or loadbalance (got '{mode}').");
            }
        }

        if (!config.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array || targets.GetArrayLength() == 0)
        {
            throw AdminException.Invalid("config.targets: required, a non-empty array.");
        }
        if (targets.GetArrayLength() != 1)
        {
            throw AdminException.Invalid("config.targets: a 'single' config has exactly one target.");
        }

        var parsed = ImmutableArray.CreateBuilder<RouteTarget>();
        var index = 0;
        foreach (var target in targets.EnumerateArray())
        {
            parsed.Add(ParseTarget(target, $"config.targets[{index++}]"));
        }

        var timeout = RouteConfig.DefaultRequestTimeoutMs;
        if (config.TryGetProperty("request_timeout_ms", out var timeoutElement))
        {
            if (!timeoutElement.TryGetInt32(out timeout) || timeout <= 0)
            {
                throw AdminException.Invalid("config.request_timeout_ms: must be a positive integer.");
            }
        }
        return new RouteConfig(mode, parsed.ToImmutable(), timeout);
    }

    private static RouteTarget ParseTarget(JsonElement target, string path)
    {
        if (target.ValueKind != JsonValueKind.Object)
        {
            throw AdminException.Invalid($"{path}: must be an object.");
        }
        if (target.TryGetProperty("targets", out _) || target.TryGetProperty("strategy", out _))
        {
            throw AdminException.Invalid($"{path}: nested targets are not supported by this gateway version yet.");
        }
        RejectUnknown(target, path, "provider", "weight", "override_params", "retry");
        if (target.TryGetProperty("retry", out _))
        {
            throw AdminException.Invalid($"{path}.retry: retries are not supported by this gateway version yet.");
        }
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
            RejectUnknown(overrides, $"{path}.override_params", "model");
            if (overrides.TryGetProperty("model", out var modelElement))
            {
                if (modelElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(modelElement.GetString()))
                {
                    throw AdminException.Invalid($"{path}.override_params.model: must be a model id.");
                }
                model = modelElement.GetString();
            }
        }
        return new RouteTarget(provider, model);
    }

    private static void RejectUnknown(JsonElement element, string path, params string[] known)
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
