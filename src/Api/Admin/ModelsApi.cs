using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Api.Admin.Access;
using Gateway.Api.Catalog;
using Gateway.Grains;
using Gateway.Grains.Models;
using Gateway.Projections.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
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
        var group = admin.MapGroup("/models").WithTags("Models").ProducesErrors(StatusCodes.Status403Forbidden);
        group.MapGet("/", ListAsync).WithSummary("List the model catalog, with prices and the current price version")
            .ProducesErrors(StatusCodes.Status400BadRequest).Requires(AdminAccess.AnyAdmin);
        group.MapPost("/", CreateAsync).WithSummary("Add a model to the catalog").AcceptsJson<ModelDefinition>()
            .ProducesErrors(StatusCodes.Status409Conflict).Requires(AdminAccess.OrgAdmin);
        group.MapGet("/{**name}", GetAsync).WithSummary("Get a model by any of its names (Anthropic id or alias, Bedrock or Vertex id)")
            .ProducesErrors(StatusCodes.Status404NotFound).Requires(AdminAccess.AnyAdmin);
        group.MapPatch("/{**name}", UpdateAsync).WithSummary("Change a model (null restores a shipped model's field)").AcceptsJson<ModelDefinition>()
            .ProducesErrors(StatusCodes.Status404NotFound).Requires(AdminAccess.OrgAdmin);
        group.MapDelete("/{**name}", DeleteAsync).WithSummary("Delete a model an admin added (shipped models cannot be deleted)")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).Requires(AdminAccess.OrgAdmin);
        return admin;
    }

    private static async Task<Results<Ok<ModelListPage>, AnthropicErrorResult>> ListAsync([AsParameters] PageQuery paging, CurrentCatalog catalogs)
    {
        if (!AdminPaging.TryRead(paging, out var limit, out var cursor, out var error))
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
        return TypedResults.Ok(new ModelListPage([.. page.Take(limit).Select(m => ModelResponse.From(m, catalog.PriceVersion))],
            page.Count > limit ? page[limit - 1].Id : null, catalog.PriceVersion));
    }

    private static async Task<Results<Ok<ModelResponse>, AnthropicErrorResult>> GetAsync(string name, CurrentCatalog catalogs)
    {
        var catalog = await catalogs.RefreshAsync();
        return catalog.Find(name) is { } match
            ? TypedResults.Ok(ModelResponse.From(match.Model, catalog.PriceVersion))
            : new AnthropicErrorResult(404, $"Model '{Printable(name)}' does not exist.");
    }

    private static async Task<Results<Created<ModelResponse>, AnthropicErrorResult>> CreateAsync(HttpContext context, IGrainFactory grains,
        CurrentCatalog catalogs, AuditLog audit)
    {
        var (body, json, error) = await ReadAsync(context.Request);
        if (error is not null)
        {
            return error;
        }
        var change = await grains.ModelCatalog().CreateAsync(json!);
        var model = await AnsweredAsync(context, change, "created", body!, catalogs, audit);
        return TypedResults.Created($"/admin/v1/models/{model.Id}", model);
    }

    private static async Task<Results<Ok<ModelResponse>, AnthropicErrorResult>> UpdateAsync(string name, HttpContext context, IGrainFactory grains,
        CurrentCatalog catalogs, AuditLog audit)
    {
        var (body, json, error) = await ReadAsync(context.Request);
        if (error is not null)
        {
            return error;
        }
        var change = await grains.ModelCatalog().UpdateAsync(name, json!);
        return TypedResults.Ok(await AnsweredAsync(context, change, "updated", body!, catalogs, audit));
    }

    private static async Task<NoContent> DeleteAsync(string name, HttpContext context, IGrainFactory grains, CurrentCatalog catalogs, AuditLog audit)
    {
        var change = await grains.ModelCatalog().DeleteAsync(name);
        var catalog = catalogs.Apply(change.Revision);
        await audit.RecordAsync(context, "model", change.ModelId, "deleted", $"price version {catalog.PriceVersion}");
        return TypedResults.NoContent();
    }

    /// <summary>Applies a change here at once, audits it, and shows the model as changed.</summary>
    private static async Task<ModelResponse> AnsweredAsync(HttpContext context, CatalogChange change, string action, JsonObject body,
        CurrentCatalog catalogs, AuditLog audit)
    {
        var catalog = catalogs.Apply(change.Revision);
        var model = catalog.Get(change.ModelId)!;
        await audit.RecordAsync(context, "model", model.Id, action, Summary(body, catalog.PriceVersion));
        return ModelResponse.From(model, catalog.PriceVersion);
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
    private static async Task<(JsonObject? Body, string? Json, AnthropicErrorResult? Error)> ReadAsync(HttpRequest request)
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

    private static string Printable(string name) => ModelJson.IsName(name) ? name : "(an invalid name)";
}
