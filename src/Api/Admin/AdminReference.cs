using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Gateway.Api.Admin;

/// <summary>
/// The admin API's OpenAPI document, generated from the endpoints (their typed requests and results), and Scalar's
/// interactive reference for it. Both are served without the admin token: they describe the API as the SPEC and the
/// README do, and hold no data; every endpoint they describe still needs the token.
/// </summary>
public static class AdminReference
{
    public const string DocumentName = "v1";
    public const string DocumentRoute = "/admin/openapi/{documentName}.json";
    public const string ReferenceRoute = "/admin/reference";
    public const string SecurityScheme = "admin_token";

    public static IServiceCollection AddAdminReference(this IServiceCollection services)
    {
        // Typed results are written with these options, and the document describes types with the same ones.
        services.ConfigureHttpJsonOptions(json => AdminJson.Configure(json.SerializerOptions));
        services.AddOpenApi(DocumentName, options =>
        {
            options.ShouldInclude = api => api.RelativePath?.StartsWith("admin/v1/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer(DescribeAsync);
        });
        return services;
    }

    /// <summary>Maps the document at <see cref="DocumentRoute"/> and the reference at <see cref="ReferenceRoute"/>.</summary>
    public static IEndpointRouteBuilder MapAdminReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentRoute);
        // Scalar serves its script from this assembly; no CDN, no web fonts, no telemetry: the page works offline.
        app.MapScalarApiReference(ReferenceRoute, reference => reference
            .WithTitle("Gateway admin API")
            .WithOpenApiRoutePattern(DocumentRoute)
            .AddPreferredSecuritySchemes(SecurityScheme)
            .DisableDefaultFonts()
            .DisableTelemetry());
        return app;
    }

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Gateway admin API",
            Version = "v1",
            Description = "Workspaces, provider connections, routing configs, keys, the model catalog, admin tokens, and the request "
                + "log, spend, chargeback and audit reports. Every endpoint needs `Authorization: Bearer <admin token>`; errors are "
                + "Anthropic-shaped (`{\"type\":\"error\",\"error\":{\"type\",\"message\"},\"request_id\"}`), a 400 naming the field.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [SecurityScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The org-admin token (GATEWAY_ADMIN_TOKEN) or one from POST /admin/v1/admin-tokens.",
            },
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecurityScheme, document)] = [] }];
    }

    /// <summary>
    /// Money is a decimal (exact digits), not a double. Fields read by hand (<see cref="DocumentedAsAttribute"/>) get their
    /// shape or null; an extension-data property so marked adds that shape's fields to its object (a log entry's detail is
    /// its row's fields and more). Shapes are set on the object that holds the field: a field's own schema may be shared.
    /// </summary>
    private static async Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo;
        if (type.Type == typeof(decimal) || type.Type == typeof(decimal?))
        {
            schema.Format = "decimal";
            return;
        }
        if (context.JsonPropertyInfo is not null || type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        foreach (var property in type.Properties)
        {
            if (Shape(property) is not { } shapeType)
            {
                continue;
            }
            var shape = await context.GetOrCreateSchemaAsync(shapeType, null, cancellationToken);
            schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
            if (!property.IsExtensionData)
            {
                schema.Properties[property.Name] = new OpenApiSchema { OneOf = [shape, new OpenApiSchema { Type = JsonSchemaType.Null }] };
                continue;
            }
            foreach (var (name, field) in shape.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                schema.Properties.TryAdd(name, field);
            }
            schema.AdditionalProperties = null;
            schema.AdditionalPropertiesAllowed = false;
        }
    }

    private static Type? Shape(JsonPropertyInfo? property) =>
        property?.AttributeProvider?.GetCustomAttributes(typeof(DocumentedAsAttribute), inherit: false) is [DocumentedAsAttribute shape, ..] ? shape.Shape : null;
}
