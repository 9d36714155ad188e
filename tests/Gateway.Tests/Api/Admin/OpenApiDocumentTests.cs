using System.Net;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Gateway.Tests.Api.Admin;

/// <summary>
/// The admin API's OpenAPI document, generated from the endpoints: served without a token, valid for an OpenAPI reader,
/// complete (every admin route, request and answer), in the API's snake_case; and the interactive reference beside it.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed partial class OpenApiDocumentTests(GatewayFixture gateway)
{
    /// <summary>
    /// The SPEC's admin table as built (key rotation, identity providers and users are not yet), with the gateway's
    /// additions: PATCH of keys and the audit trail.
    /// </summary>
    private static readonly (string Path, string[] Methods)[] AdminRoutes =
    [
        ("/admin/v1/workspaces", ["POST", "GET"]),
        ("/admin/v1/workspaces/{id}", ["GET", "PATCH", "DELETE"]),
        ("/admin/v1/providers", ["POST", "GET"]),
        ("/admin/v1/providers/{slug}", ["GET", "PATCH", "DELETE"]),
        ("/admin/v1/configs", ["POST", "GET"]),
        ("/admin/v1/configs/{slug}", ["GET", "PUT", "DELETE"]),
        ("/admin/v1/keys", ["POST", "GET"]),
        ("/admin/v1/keys/{id}", ["GET", "PATCH"]),
        ("/admin/v1/keys/{id}/revoke", ["POST"]),
        ("/admin/v1/keys/{id}/rotate", ["POST"]),
        ("/admin/v1/identity-providers", ["GET", "POST"]),
        ("/admin/v1/identity-providers/{slug}", ["GET", "PATCH", "DELETE"]),
        ("/admin/v1/users", ["GET"]),
        ("/admin/v1/users/{id}", ["GET", "PATCH"]),
        ("/admin/v1/users/{id}/block", ["POST"]),
        ("/admin/v1/users/{id}/unblock", ["POST"]),
        ("/admin/v1/logs", ["GET"]),
        ("/admin/v1/logs/{request_id}", ["GET"]),
        ("/admin/v1/spend", ["GET"]),
        ("/admin/v1/chargeback", ["GET"]),
        ("/admin/v1/outcomes", ["GET"]),
        ("/admin/v1/health", ["GET"]),
        ("/admin/v1/admin-tokens", ["GET", "POST"]),
        ("/admin/v1/admin-tokens/{id}", ["DELETE"]),
        ("/admin/v1/models", ["GET", "POST"]),
        ("/admin/v1/models/{name}", ["GET", "PATCH", "DELETE"]),
        ("/admin/v1/audit", ["GET"]),
    ];

    [Fact]
    public async Task The_document_is_served_without_a_token_and_reads_without_errors_or_warnings()
    {
        var (document, diagnostic) = await OpenApiDocuments.LoadAsync(gateway.Client);

        Assert.Empty(diagnostic!.Errors);
        Assert.Empty(diagnostic.Warnings);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        Assert.Equal("Gateway admin API", document!.Info.Title);
        var scheme = Assert.Single(document.Components!.SecuritySchemes!);
        Assert.Equal(("admin_token", SecuritySchemeType.Http, "bearer"), (scheme.Key, scheme.Value.Type!.Value, scheme.Value.Scheme));
        Assert.Contains(document.Security!, requirement => requirement.Keys.Any(s => s.Reference.Id == "admin_token"));
    }

    [Fact]
    public async Task Every_admin_route_is_documented_with_its_methods_and_nothing_else()
    {
        var document = (await OpenApiDocuments.LoadAsync(gateway.Client)).Document!;

        var documented = document.Paths.SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method} {p.Key}")).Order().ToList();
        var expected = AdminRoutes.SelectMany(r => r.Methods.Select(m => $"{m} {r.Path}")).Order().ToList();
        Assert.Equal(expected, documented);

        // Generated from the endpoints: every admin endpoint the gateway maps is in the document, none left out.
        var mapped = gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/admin/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods
                .Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/').Replace("{**name}", "{name}")}"))
            .Order().ToList();
        Assert.Equal(expected, mapped);
        Assert.All(document.Paths.SelectMany(p => p.Value.Operations!.Values), operation =>
        {
            Assert.NotNull(operation.Summary);
            Assert.Single(operation.Tags!);
            Assert.Contains("401", operation.Responses!.Keys);
        });
    }

    /// <summary>Each write's body, as the document gives it; what the writes answer is checked against real answers (<see cref="OpenApiAnswersTests"/>).</summary>
    [Theory]
    [InlineData("/admin/v1/workspaces", "POST", "id,name,metadata,default_config,budget,rate_limits,logging,required_metadata,metadata_headers,user_budget,user_rate_limits")]
    [InlineData("/admin/v1/workspaces/{id}", "PATCH", "name,metadata,default_config,budget,rate_limits,logging,required_metadata,metadata_headers,user_budget,user_rate_limits")]
    [InlineData("/admin/v1/identity-providers", "POST", "slug,issuer,audience,user_claim,groups_claim,metadata_claims,rules,default_workspace")]
    [InlineData("/admin/v1/identity-providers/{slug}", "PATCH", "issuer,audience,user_claim,groups_claim,metadata_claims,rules,default_workspace")]
    [InlineData("/admin/v1/users/{id}", "PATCH", "budget,rate_limits")]
    [InlineData("/admin/v1/providers", "POST", "slug,kind,base_url,credentials,region,project,models,workspaces,token_url,model_ids")]
    [InlineData("/admin/v1/providers/{slug}", "PATCH", "base_url,credentials,region,project,models,workspaces,token_url,model_ids")]
    [InlineData("/admin/v1/configs", "POST", "slug,workspace,config,metadata")]
    [InlineData("/admin/v1/configs/{slug}", "PUT", "workspace,config,metadata")]
    [InlineData("/admin/v1/keys", "POST", "workspace,name,config,metadata,models,expires_at,budget,rate_limits")]
    [InlineData("/admin/v1/keys/{id}", "PATCH", "name,metadata,models,expires_at,budget,rate_limits")]
    [InlineData("/admin/v1/keys/{id}/rotate", "POST", "grace_seconds", "200")]
    [InlineData("/admin/v1/models", "POST", "id,alias,aliases,display_name,created_at,bedrock_id,bedrock_profile,bedrock_profiles,vertex_id,context_window,"
        + "max_output_tokens,prices,provider_prices")]
    [InlineData("/admin/v1/admin-tokens", "POST", "name,role,workspaces")]
    public async Task Writes_document_their_body_in_snake_case(string path, string method, string fields, string? success = null)
    {
        var document = (await OpenApiDocuments.LoadAsync(gateway.Client)).Document!;
        var httpMethod = HttpMethod.Parse(method);

        Assert.Equal(fields.Split(',').Order(), OpenApiDocuments.Fields(OpenApiDocuments.RequestSchema(document, path, httpMethod)).Order());
        var answers = OpenApiDocuments.Operation(document, path, httpMethod).Responses!;
        // A POST creates (201) unless it acts on an existing resource (rotate: 200).
        Assert.Contains(success ?? (method == "POST" ? "201" : "200"), answers.Keys);
        Assert.Contains("400", answers.Keys);
    }

    [Theory]
    [InlineData("/admin/v1/workspaces", "data,next_cursor")]
    [InlineData("/admin/v1/providers", "data,next_cursor")]
    [InlineData("/admin/v1/configs", "data,next_cursor")]
    [InlineData("/admin/v1/keys", "data,next_cursor")]
    [InlineData("/admin/v1/identity-providers", "data,next_cursor")]
    [InlineData("/admin/v1/users", "data,next_cursor")]
    [InlineData("/admin/v1/users/{id}", "id,identity_provider,subject,workspace,metadata,blocked,budget,rate_limits,own_budget,own_rate_limits")]
    [InlineData("/admin/v1/models", "data,next_cursor,price_version")]
    [InlineData("/admin/v1/logs", "data,next_cursor")]
    [InlineData("/admin/v1/spend", "data,next_cursor")]
    [InlineData("/admin/v1/audit", "data,next_cursor")]
    [InlineData("/admin/v1/chargeback", "month,dimension,rows,total_usd,next_cursor")]
    [InlineData("/admin/v1/logs/{request_id}", "request_id,created_at,workspace,key_id,model,provider,status,stream,cost_usd,input_tokens,output_tokens,"
        + "cache_creation_input_tokens,cache_read_input_tokens,latency_ms,metadata,request,response,attempts")]
    public async Task Reads_document_their_answer_and_query(string path, string fields)
    {
        var document = (await OpenApiDocuments.LoadAsync(gateway.Client)).Document!;

        Assert.Equal(fields.Split(',').Order(), OpenApiDocuments.Fields(OpenApiDocuments.ResponseSchema(document, path, HttpMethod.Get, 200))
            .Where(f => fields.Split(',').Contains(f)).Order());
        var parameters = OpenApiDocuments.Operation(document, path, HttpMethod.Get).Parameters ?? [];
        Assert.All(parameters, p => Assert.Matches(SnakeCase(), p.Name!));
        if (!path.Contains('{'))
        {
            Assert.Contains(parameters, p => p.Name == (path.EndsWith("chargeback", StringComparison.Ordinal) ? "month" : "limit"));
        }
    }

    [Fact]
    public async Task Every_schema_names_its_fields_as_the_api_writes_them_and_money_is_decimal()
    {
        var document = (await OpenApiDocuments.LoadAsync(gateway.Client)).Document!;

        var fields = document.Components!.Schemas!.SelectMany(s => (s.Value.Properties ?? new Dictionary<string, IOpenApiSchema>())
            .Select(p => (Schema: s.Key, Field: p.Key, p.Value))).ToList();
        Assert.NotEmpty(fields);
        Assert.All(fields, f => Assert.True(SnakeCase().IsMatch(f.Field), $"{f.Schema}.{f.Field} is not snake_case"));
        Assert.All(fields.Where(f => f.Field.EndsWith("_usd", StringComparison.Ordinal)),
            f => Assert.Equal("decimal", OpenApiDocuments.NonNull(f.Value).Format ?? OpenApiDocuments.NonNull(f.Value).Items?.Format));
        var budget = OpenApiDocuments.NonNull(document.Components.Schemas!["CreateKeyRequest"].Properties!["budget"]);
        Assert.Equal(["limit_usd", "period", "alert_at"], OpenApiDocuments.Fields(budget));
    }

    [Fact]
    public async Task The_reference_page_and_its_script_are_served_by_the_gateway_itself()
    {
        using var page = await gateway.Client.GetAsync("/admin/reference/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>Gateway admin API</title>", html);
        Assert.Contains("admin/openapi/v1.json", html);
        // Every script comes from the gateway: the page works where no CDN can be reached.
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, src => Assert.DoesNotContain("//", src));
        foreach (var src in scripts)
        {
            using var script = await gateway.Client.GetAsync("/admin/reference/" + src);
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType);
        }
        using var bare = await gateway.Client.GetAsync("/admin/reference");
        Assert.True(bare.StatusCode is HttpStatusCode.OK or HttpStatusCode.Found, $"/admin/reference -> {(int)bare.StatusCode}");
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex SnakeCase();

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
