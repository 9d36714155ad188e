using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Budgets;
using Gateway.Api.Catalog;
using Gateway.Api.Errors;
using Gateway.Api.Providers;
using Gateway.Grains.Budgets;
using Gateway.Grains.Keys;
using Gateway.Grains.Providers;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>
/// <c>GET /v1/models</c> and <c>GET /v1/models/{id}</c>: the models the key may use — those its route's
/// providers serve, narrowed by the key's allow-list — in Anthropic's list shape and paging.
/// </summary>
public sealed class ModelsProxy(IGrainFactory grains, ProviderConnections connections, UpstreamHttp upstream, ProviderModelLists lists,
    CurrentCatalog catalogs, BudgetGate budgets, Callers callers, TimeProvider clock)
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 1000;
    private static readonly TimeSpan ProviderTimeout = TimeSpan.FromSeconds(30);

    public async Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, out limit) || limit < 1 || limit > MaxLimit))
        {
            await AnthropicErrors.WriteAsync(context, 400, $"limit: must be an integer from 1 to {MaxLimit}.");
            return;
        }
        await ServeAdmittedAsync(context, model: null, (admitted, providers) => ListAsync(context, limit, admitted, providers));
    }

    public Task GetAsync(HttpContext context, string id) =>
        ServeAdmittedAsync(context, id, (admitted, providers) => GetAsync(context, id, admitted, providers));

    /// <summary>
    /// Admits the request with its key and holds it against the key's and workspace's rate limits (a model list is not
    /// billed, but it is a request), then serves it.
    /// </summary>
    private async Task ServeAdmittedAsync(HttpContext context, string? model, Func<AdmittedRequest, IReadOnlyList<ProviderConnection>, Task> serve)
    {
        var (admitted, providers) = await AdmitAsync(context, model);
        if (admitted is null)
        {
            return;
        }
        var limited = BudgetGate.RateLimitsOnly(admitted.Scopes);
        var requestId = Errors.RequestIds.Get(context) ?? "";
        if (!limited.IsEmpty)
        {
            BudgetVerdict? refusal;
            try
            {
                refusal = await budgets.ReserveAsync(requestId, limited, 0, 0, clock.GetUtcNow());
            }
            catch (BudgetsUnavailableException)
            {
                context.Response.Headers.RetryAfter = "1";
                await AnthropicErrors.WriteAsync(context, 503, "The gateway cannot reach its rate-limit state right now; try again shortly.");
                return;
            }
            if (refusal is not null)
            {
                if (refusal.RetryAfterSeconds is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                await AnthropicErrors.WriteAsync(context, ApiError.For(refusal));
                return;
            }
        }
        try
        {
            await serve(admitted, providers);
        }
        finally
        {
            if (!limited.IsEmpty)
            {
                await budgets.SettleAsync(requestId, limited, 0, 0);
            }
        }
    }

    private async Task ListAsync(HttpContext context, int limit, AdmittedRequest admitted, IReadOnlyList<ProviderConnection> providers)
    {
        var query = context.Request.Query;
        var catalog = await catalogs.GetAsync();
        List<JsonObject> models = [];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(ProviderTimeout);
        try
        {
            foreach (var provider in providers)
            {
                var served = await lists.ListAsync(catalog, provider, deadline.Token);
                models.AddRange(served.Where(m => models.All(seen => Id(seen) != Id(m))));
            }
        }
        catch (ProviderCatalogException e)
        {
            var (status, type, message) = ProviderErrors.Map(e.Provider, e.Status, e.Body);
            await AnthropicErrors.WriteAsync(context, status, type, message);
            return;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or IOException or InvalidDataException
                                      || (e is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            await AnthropicErrors.WriteAsync(context, 502, "Could not read the provider's model list.");
            return;
        }
        if (admitted.Models is { Length: > 0 } allowed)
        {
            // The allow-list may name a model by an alias ("claude-opus-4-5") where the list has its id.
            models = [.. models.Where(m => ModelPatterns.Matches(allowed, Id(m))
                || catalog.Find(Id(m)) is { } known && known.Model.Aliases.Any(alias => ModelPatterns.Matches(allowed, alias)))];
        }

        var start = 0;
        var end = models.Count;
        if (query["after_id"].FirstOrDefault() is { } after)
        {
            start = models.FindIndex(m => Id(m) == after) + 1;
        }
        if (query["before_id"].FirstOrDefault() is { } before)
        {
            end = Math.Max(0, models.FindIndex(m => Id(m) == before));
            start = Math.Max(start, end - limit);
        }
        var page = models.Skip(start).Take(Math.Max(0, Math.Min(limit, end - start))).ToList();
        var hasMore = query.ContainsKey("before_id") ? start > 0 : start + page.Count < end;
        var result = new JsonObject
        {
            ["data"] = new JsonArray([.. page.Select(m => (JsonNode)m.DeepClone())]),
            ["has_more"] = hasMore,
            ["first_id"] = page.Count > 0 ? Id(page[0]) : null,
            ["last_id"] = page.Count > 0 ? Id(page[^1]) : null,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(result.ToJsonString(), context.RequestAborted);
    }

    private async Task GetAsync(HttpContext context, string id, AdmittedRequest admitted, IReadOnlyList<ProviderConnection> providers)
    {
        var catalog = await catalogs.GetAsync();
        var entry = catalog.Find(id)?.Model;
        foreach (var provider in providers)
        {
            if (provider.Kind != ProviderKinds.Anthropic)
            {
                var listed = (await lists.ListAsync(catalog, provider, context.RequestAborted)).FirstOrDefault(m => Id(m) == id || Id(m) == entry?.Id);
                if (listed is not null && (admitted.Models is not { Length: > 0 } permitted || ModelPatterns.Matches(permitted, Id(listed)) || ModelPatterns.Matches(permitted, id)))
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(listed.ToJsonString(), context.RequestAborted);
                    return;
                }
                continue;
            }
            if (provider.Models is { Length: > 0 } configured)
            {
                if (ProviderModels.Allows(catalog, provider, id))
                {
                    var listed = (await lists.ListAsync(catalog, provider, context.RequestAborted))
                        .FirstOrDefault(m => Id(m) == id || Id(m) == entry?.Id || entry?.IsAnthropicName(Id(m)) == true);
                    if (listed is not null)
                    {
                        context.Response.ContentType = "application/json";
                        await context.Response.WriteAsync(listed.ToJsonString(), context.RequestAborted);
                        return;
                    }
                }
                continue;
            }

            // The provider's list (kept a few minutes) answers for its ids and the catalog's aliases of them, so a client
            // asking again and again does not reach the provider each time.
            var asked = ProviderModels.Resolve(catalog, provider, id) ?? id;
            JsonObject? known = null;
            try
            {
                known = (await lists.ListAsync(catalog, provider, context.RequestAborted)).FirstOrDefault(m => Id(m) == asked || Id(m) == entry?.Id);
            }
            catch (Exception e) when (e is ProviderCatalogException or HttpRequestException or JsonException or IOException or InvalidDataException
                                          || (e is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
            {
                // No list now: ask the provider for the one model below, which answers with its own errors.
            }
            if (known is not null)
            {
                if (admitted.Models is { Length: > 0 } permitted && !ModelPatterns.Matches(permitted, Id(known)) && !ModelPatterns.Matches(permitted, id)
                    && entry?.Aliases.Any(alias => ModelPatterns.Matches(permitted, alias)) != true)
                {
                    break;
                }
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(known.ToJsonString(), context.RequestAborted);
                return;
            }

            // An alias neither the list nor the catalog knows: the provider resolves it.
            using var request = AnthropicUpstream.CreateRequest(provider, HttpMethod.Get, "/v1/models/" + Uri.EscapeDataString(asked), ForwardedRequest.Of(context.Request), null);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            deadline.CancelAfter(ProviderTimeout);
            HttpResponseMessage response;
            byte[] body;
            try
            {
                response = await upstream.Invoker.SendAsync(request, deadline.Token);
                body = await UpstreamBodies.ReadAsync(response.Content, 1024 * 1024, deadline.Token);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException
                                          || (e is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
            {
                await AnthropicErrors.WriteAsync(context, 502, $"Could not reach provider '{provider.Slug}'.");
                return;
            }
            using (response)
            {
                if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                {
                    var (status, type, message) = ProviderErrors.Map(provider.Slug, (int)response.StatusCode, body);
                    await AnthropicErrors.WriteAsync(context, status, type, message);
                    return;
                }
                var resolved = ResolvedId(body) ?? id;
                if (admitted.Models is { Length: > 0 } allowed && !ModelPatterns.Matches(allowed, resolved) && !ModelPatterns.Matches(allowed, id))
                {
                    break;
                }
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
                return;
            }
        }
        await AnthropicErrors.WriteAsync(context, 404, $"model: {id}");
    }

    private async Task<(AdmittedRequest?, IReadOnlyList<ProviderConnection>)> AdmitAsync(HttpContext context, string? model)
    {
        var (caller, problem) = await callers.IdentifyAsync(context.Request);
        if (caller is null)
        {
            await AnthropicErrors.WriteAsync(context, problem);
            return (null, []);
        }
        Admission admission;
        try
        {
            var names = model is null ? null : (await catalogs.GetAsync()).Find(model) is { } known ? [known.Model.Id, .. known.Model.Aliases] : (string[]?)null;
            admission = await caller.AdmitAsync(grains, model, names);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // The key's state (or the catalog) cannot be reached: the client may try again; never a 500.
            context.Response.Headers.RetryAfter = "1";
            await AnthropicErrors.WriteAsync(context, 503, "The gateway cannot reach its key state right now; try again shortly.");
            return (null, []);
        }
        if (admission.Request is not { } admitted)
        {
            await AnthropicErrors.WriteAsync(context, ApiError.For(admission));
            return (null, []);
        }
        var providers = new List<ProviderConnection>();
        foreach (var slug in admitted.Route.Providers())
        {
            if (await connections.GetAsync(slug) is { } connection && connection.Serves(admitted.Workspace))
            {
                providers.Add(connection);
            }
        }
        return (admitted, providers);
    }

    private static string? ResolvedId(byte[] body)
    {
        try
        {
            return (JsonNode.Parse(body) as JsonObject)?["id"] is JsonValue value && value.TryGetValue<string>(out var id) ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Id(JsonObject model) => model["id"] is JsonValue value && value.TryGetValue<string>(out var id) ? id : "";
}
