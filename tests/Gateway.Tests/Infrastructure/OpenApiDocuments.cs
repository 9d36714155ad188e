using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Gateway.Tests.Infrastructure;

/// <summary>The admin API's OpenAPI document as a client reads it (Microsoft.OpenApi's reader), and checks against it.</summary>
public static class OpenApiDocuments
{
    public const string Path = "/admin/openapi/v1.json";

    /// <summary>Fetches the document from a running gateway without a token and reads it.</summary>
    public static async Task<ReadResult> LoadAsync(HttpClient client)
    {
        using var response = await client.GetAsync(Path);
        Assert.True(response.IsSuccessStatusCode, $"GET {Path} -> {(int)response.StatusCode}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        return await OpenApiDocument.LoadAsync(body, "json");
    }

    public static OpenApiOperation Operation(OpenApiDocument document, string path, HttpMethod method)
    {
        Assert.True(document.Paths.TryGetValue(path, out var item), $"{path} is not in the document");
        Assert.True(item.Operations?.TryGetValue(method, out var operation) == true, $"{method} {path} is not in the document");
        return item.Operations![method];
    }

    /// <summary>The JSON schema of an operation's request body.</summary>
    public static IOpenApiSchema RequestSchema(OpenApiDocument document, string path, HttpMethod method) =>
        Operation(document, path, method).RequestBody?.Content?["application/json"].Schema
            ?? throw new Xunit.Sdk.XunitException($"{method} {path} has no JSON request body");

    /// <summary>The JSON schema of an operation's answer with <paramref name="status"/>.</summary>
    public static IOpenApiSchema ResponseSchema(OpenApiDocument document, string path, HttpMethod method, int status) =>
        Operation(document, path, method).Responses?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)].Content?["application/json"].Schema
            ?? throw new Xunit.Sdk.XunitException($"{method} {path} documents no JSON answer for {status}");

    /// <summary>The object schema behind a nullable one (<c>oneOf: [X, null]</c>), else the schema itself.</summary>
    public static IOpenApiSchema NonNull(IOpenApiSchema schema) =>
        schema.OneOf?.FirstOrDefault(s => s.Type != JsonSchemaType.Null) is { } alternative ? NonNull(alternative) : schema;

    public static IReadOnlyCollection<string> Fields(IOpenApiSchema schema) =>
        NonNull(schema).Properties?.Keys is { } keys ? [.. keys] : [];

    /// <summary>
    /// Checks that <paramref name="value"/> — a real answer — is what <paramref name="schema"/> describes: each field is
    /// documented, each required field present, with a JSON kind the schema allows, down through objects, arrays and maps.
    /// </summary>
    public static void AssertDescribes(IOpenApiSchema schema, JsonNode? value, string where)
    {
        var kind = value?.GetValueKind() ?? JsonValueKind.Null;
        if (kind == JsonValueKind.Null && schema.OneOf?.Any(s => s.Type == JsonSchemaType.Null) == true)
        {
            return;
        }
        schema = NonNull(schema);
        if (schema.Type is not { } type)
        {
            return; // any JSON (a body as sent, a routing config)
        }
        Assert.True(Allows(type, kind), $"{where}: a {kind} where the document says {type}");
        if (value is JsonObject json && schema.Properties is { Count: > 0 } properties)
        {
            foreach (var (name, field) in json)
            {
                Assert.True(properties.TryGetValue(name, out var described), $"{where}.{name} is answered but not in the document");
                AssertDescribes(described!, field, $"{where}.{name}");
            }
            foreach (var required in schema.Required ?? new HashSet<string>())
            {
                Assert.True(json.ContainsKey(required), $"{where}.{required} is required by the document but not answered");
            }
        }
        else if (value is JsonObject map && schema.AdditionalProperties is { } values)
        {
            foreach (var (name, field) in map)
            {
                AssertDescribes(values, field, $"{where}[{name}]");
            }
        }
        else if (value is JsonArray array && schema.Items is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                AssertDescribes(items, array[i], $"{where}[{i}]");
            }
        }
    }

    private static bool Allows(JsonSchemaType type, JsonValueKind kind) => kind switch
    {
        JsonValueKind.Null => type.HasFlag(JsonSchemaType.Null),
        JsonValueKind.String => type.HasFlag(JsonSchemaType.String),
        JsonValueKind.Number => type.HasFlag(JsonSchemaType.Number) || type.HasFlag(JsonSchemaType.Integer),
        JsonValueKind.True or JsonValueKind.False => type.HasFlag(JsonSchemaType.Boolean),
        JsonValueKind.Object => type.HasFlag(JsonSchemaType.Object),
        JsonValueKind.Array => type.HasFlag(JsonSchemaType.Array),
        _ => false,
    };
}
