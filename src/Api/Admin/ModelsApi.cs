using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Catalog;
using Gateway.Grains;
using Gateway.Grains.Models;
using Gateway.Projections.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary>
/// <c>/admin/v1/models</c>: the model catalog and its prices. Shipped models can be changed (a field set to null goes
/// back to the shipped value), not deleted; admins add their own. Each change applies on every process of the
/// cluster within about a second, is audited, and a change of any price is a new price version.
/// </summary>
public static class ModelsApi
{
    private const long MaxBodyBytes = 64 * 1024;

    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/models");
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync);
        group.MapGet("/{**name}", GetAsync);
        group.MapPatch("/{**name}", UpdateAsync);
        group.MapDelete("/{**name}", DeleteAsync);
        return admin;
    }

    private static async Task<IResult> ListAsync(HttpContext context, CurrentCatalog catalogs)
    {
        if (!AdminPaging.TryRead(context.Request, out var limit, out var cursor, out var error))
        {
            return error!;
        }
        var catalog = await catalogs.RefreshAsync();
        var models = catalog.Models.AsEnumerable();
        if (cursor is not null)
        {
            models = models.SkipWhile(m => m.Id != cursor).Skip(1);
        }
        var page = models.Take(limit + 1).ToList();
        var data = page.Take(limit).Select(m => ModelJson.Write(m, catalog.PriceVersion)).ToList();
        return Json(new JsonObject
        {
            ["data"] = new JsonArray([.. data]),
            ["next_cursor"] = page.Count > limit ? page[limit - 1].Id : null,
            ["price_version"] = catalog.PriceVersion,
        });
    }

    private static async Task<IResult> GetAsync(string name, CurrentCatalog catalogs)
    {
        var catalog = await catalogs.RefreshAsync();
        return catalog.Find(name) is { } match
            ? Json(ModelJson.Write(match.Model, catalog.PriceVersion))
            : new AnthropicErrorResult(404, $"Model '{Printable(name)}' does not exist.");
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains, CurrentCatalog catalogs, AuditLog audit)
    {
        var (body, json, error) = await ReadAsync(context.Request);
        if (error is not null)
        {
            return error;
        }
        var change = await grains.ModelCatalog().CreateAsync(json!);
        return await AnsweredAsync(context, change, "created", body!, catalogs, audit, StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string name, HttpContext context, IGrainFactory grains, CurrentCatalog catalogs, AuditLog audit)
    {
        var (body, json, error) = await ReadAsync(context.Request);
        if (error is not null)
        {
            return error;
        }
        var change = await grains.ModelCatalog().UpdateAsync(name, json!);
        return await AnsweredAsync(context, change, "updated", body!, catalogs, audit, StatusCodes.Status200OK);
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, IGrainFactory grains, CurrentCatalog catalogs, AuditLog audit)
    {
        var change = await grains.ModelCatalog().DeleteAsync(name);
        var catalog = catalogs.Apply(change.Revision);
        await audit.RecordAsync(context, "model", change.ModelId, "deleted", $"price version {catalog.PriceVersion}");
        return TypedResults.NoContent();
    }

    private static async Task<IResult> AnsweredAsync(HttpContext context, CatalogChange change, string action, JsonObject body,
        CurrentCatalog catalogs, AuditLog audit, int status)
    {
        var catalog = catalogs.Apply(change.Revision);
        var model = catalog.Get(change.ModelId)!;
        await audit.RecordAsync(context, "model", model.Id, action, Summary(body, catalog.PriceVersion));
        return Json(ModelJson.Write(model, catalog.PriceVersion), status);
    }

    /// <summary>What changed, for the audit trail: the fields set, and the new prices with their version.</summary>
    private static string Summary(JsonObject body, string priceVersion)
    {
        var fields = string.Join(", ", body.Select(f => f.Key).Where(f => f != "id"));
        var prices = body.Where(f => f.Key is "prices" or "provider_prices").Select(f => $"{f.Key}: {f.Value?.ToJsonString() ?? "null"}");
        return $"fields: {fields}" + string.Concat(prices.Select(p => "; " + p)) + $"; price version {priceVersion}";
    }

    /// <summary>
    /// The body as a JSON object (fields left out and fields set to null differ here) and its text, bounded in size. Text
    /// a string cannot hold (an unpaired surrogate escape) is refused here, where it is first read.
    /// </summary>
    private static async Task<(JsonObject? Body, string? Json, IResult? Error)> ReadAsync(HttpRequest request)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }
        if (request.ContentLength is > MaxBodyBytes)
        {
            return (null, null, new AnthropicErrorResult(413, $"Model definitions are limited to {MaxBodyBytes} bytes."));
        }
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false },
                cancellationToken: request.HttpContext.RequestAborted);
            return node is JsonObject body
                ? (body, body.ToJsonString(), null)
                : (null, null, new AnthropicErrorResult(400, "The request body must be a JSON object."));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return (null, null, new AnthropicErrorResult(400, "body: not valid JSON (or text with an unpaired surrogate)."));
        }
    }

    private static IResult Json(JsonObject json, int status = StatusCodes.Status200OK) =>
        TypedResults.Text(json.ToJsonString(AdminJson.Options), "application/json", statusCode: status);

    private static string Printable(string name) => ModelJson.IsName(name) ? name : "(an invalid name)";
}
