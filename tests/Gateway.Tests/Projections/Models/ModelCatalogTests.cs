using System.Text.Json.Nodes;
using Gateway.Projections.Models;

namespace Gateway.Tests.Projections.Models;

/// <summary>
/// The catalog in effect: every spelling of a model finds it, and admins' changes — models added, fields and prices
/// changed, per-provider prices — hold together, are versioned, and refuse what would break names or records.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ModelCatalogTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> EveryName()
    {
        var names = new TheoryData<string>();
        foreach (var model in ModelCatalog.Default.Models)
        {
            names.Add(model.Id);
        }
        return names;
    }

    [Theory]
    [MemberData(nameof(EveryName))]
    public void Every_spelling_of_every_shipped_model_finds_it(string id)
    {
        var catalog = ModelCatalog.Default;
        var model = catalog.Get(id)!;
        List<string> spellings = [model.Id, .. model.Aliases];
        if (model.VertexId is { } vertex)
        {
            spellings.Add(vertex);
        }
        if (model.BedrockId is { } bedrock)
        {
            spellings.Add(bedrock);
            spellings.AddRange(model.BedrockPrefixes.Select(p => $"{p}.{bedrock}"));
            spellings.Add($"arn:aws:bedrock:us-east-1::foundation-model/{bedrock}");
            spellings.Add($"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{bedrock}");
        }

        Assert.All(spellings, name => Assert.Equal(id, catalog.Find(name)?.Model.Id));
    }

    [Theory]
    [InlineData("claude-opus-4-5-20251101", ModelSpelling.Anthropic, null)]
    [InlineData("claude-opus-4-5", ModelSpelling.Anthropic, null)]
    [InlineData("claude-opus-4-5@20251101", ModelSpelling.Vertex, null)]
    [InlineData("global.anthropic.claude-opus-4-5-20251101-v1:0", ModelSpelling.Bedrock, "global")]
    [InlineData("anthropic.claude-opus-5-5", ModelSpelling.Bedrock, null)]
    [InlineData("eu.anthropic.claude-opus-5-5", ModelSpelling.Bedrock, "eu")]
    public void A_spelling_says_which_cloud_it_comes_from(string name, ModelSpelling spelling, string? prefix)
    {
        var match = ModelCatalog.Default.Find(name)!.Value;

        Assert.Equal(spelling, match.Spelling);
        Assert.Equal(prefix, match.BedrockPrefix);
    }

    [Theory]
    [InlineData("claude-opus-5-5", "us-east-1", "us.anthropic.claude-opus-5-5")]
    [InlineData("claude-opus-5-5", "eu-central-1", "eu.anthropic.claude-opus-5-5")]
    [InlineData("claude-opus-5-5", "ap-southeast-2", "au.anthropic.claude-opus-5-5")]
    [InlineData("claude-opus-5-5", "ap-northeast-1", "global.anthropic.claude-opus-5-5")]   // no jp or apac profile: the global one
    [InlineData("claude-opus-4-6", "ap-northeast-1", "jp.anthropic.claude-opus-4-6-v1")]
    [InlineData("claude-opus-4-6", "ap-south-1", "apac.anthropic.claude-opus-4-6-v1")]
    [InlineData("claude-opus-4-1", "eu-west-1", "anthropic.claude-opus-4-1-20250805-v1:0")] // a us profile only, and no global one
    [InlineData("claude-opus-4-1", "us-west-2", "us.anthropic.claude-opus-4-1-20250805-v1:0")]
    public void Bedrock_ids_follow_each_models_profile_rule_for_the_connections_region(string model, string region, string expected) =>
        Assert.Equal(expected, ModelCatalog.Default.Find(model)!.Value.Model.BedrockIdFor(region));

    [Fact]
    public void Admins_add_a_model_that_then_answers_to_every_name_they_gave_it()
    {
        var catalog = ModelCatalog.Default.Create(Definition("acme-claude-ft", prices: Price(2, 8)), Now);

        var model = catalog.Get("acme-claude-ft")!;
        Assert.Equal(ModelEntry.Custom, model.Source);
        Assert.Equal(Now, model.CreatedAt);
        Assert.Same(model, catalog.Find("acme-ft")!.Value.Model);
        Assert.Same(model, catalog.Find("us.anthropic.acme-claude-ft-v1:0")!.Value.Model);
        Assert.Same(model, catalog.Find("acme-claude-ft@20261201")!.Value.Model);
        Assert.Equal(0.002m + 0.008m, catalog.Price("acme-ft", null)!.Cost(new TokenUsage(1_000, 0, 0, 0, 1_000)));
        Assert.Equal((1, 1), (catalog.Revision, catalog.PriceRevision));
        Assert.Equal(ModelCatalog.Default.PriceVersion + "+1", catalog.PriceVersion);
    }

    [Fact]
    public void Cache_rates_left_out_take_anthropics_usual_multiples_of_input()
    {
        var catalog = ModelCatalog.Default.Create(Definition("acme-claude-ft", prices: Price(2, 8)), Now);

        Assert.Equal(new TokenRates(2m, 2.5m, 4m, 0.2m, 8m), catalog.Price("acme-claude-ft", null)!.Base);
    }

    [Fact]
    public void A_name_any_model_already_answers_to_is_refused()
    {
        var taken = new[]
        {
            Definition("claude-opus-5-5"),
            Definition("claude-opus-4-5"),                                              // an alias
            Definition("x-1", alias: "claude-opus-4-5@20251101"),                      // a Vertex id
            Definition("x-2", bedrockId: "anthropic.claude-opus-5-5"),                 // a Bedrock id
        };

        Assert.All(taken, definition =>
            Assert.Equal(CatalogProblem.Conflict, Assert.Throws<CatalogException>(() => ModelCatalog.Default.Create(definition, Now)).Problem));
    }

    [Fact]
    public void Changing_a_shipped_models_price_is_a_new_price_version_and_null_restores_the_shipped_price()
    {
        var shipped = ModelCatalog.Default;
        var cheaper = shipped.Patch("claude-opus-5-5", new JsonObject { ["prices"] = Price(3, 15) });

        Assert.Equal(3m, cheaper.Price("us.anthropic.claude-opus-5-5", null)!.Input);
        Assert.Equal(["prices"], cheaper.Get("claude-opus-5-5")!.Overridden.ToArray());
        Assert.Equal(shipped.PriceVersion + "+1", cheaper.PriceVersion);

        var renamed = cheaper.Patch("claude-opus-5-5", new JsonObject { ["display_name"] = "Opus (house default)" });
        Assert.Equal(cheaper.PriceVersion, renamed.PriceVersion);
        Assert.Equal(2, renamed.Revision);

        var restored = renamed.Patch("claude-opus-5-5", new JsonObject { ["prices"] = null, ["display_name"] = null });
        Assert.Equal(4m, restored.Price("claude-opus-5-5", null)!.Input);
        Assert.Equal("Claude Opus 5.5", restored.Get("claude-opus-5-5")!.DisplayName);
        Assert.True(restored.Overrides.IsEmpty);
        Assert.Equal(shipped.PriceVersion + "+2", restored.PriceVersion);
    }

    [Fact]
    public void A_provider_price_applies_to_that_provider_only_and_merges_by_provider()
    {
        var catalog = ModelCatalog.Default
            .Patch("claude-opus-5-5", new JsonObject { ["provider_prices"] = new JsonObject { ["bedrock-eu"] = Price(4.4m, 22) } })
            .Patch("claude-opus-5-5", new JsonObject { ["provider_prices"] = new JsonObject { ["vertex-eu"] = Price(4.4m, 22) } });

        Assert.Equal(4.4m, catalog.Price("claude-opus-5-5", "bedrock-eu")!.Input);
        Assert.Equal(4.4m, catalog.Price("claude-opus-5-5", "vertex-eu")!.Input);
        Assert.Equal(4m, catalog.Price("claude-opus-5-5", "anthropic-prod")!.Input);

        var removed = catalog.Patch("claude-opus-5-5", new JsonObject { ["provider_prices"] = new JsonObject { ["bedrock-eu"] = null } });
        Assert.Equal(4m, removed.Price("claude-opus-5-5", "bedrock-eu")!.Input);
        Assert.Equal(3, removed.PriceRevision);
    }

    [Fact]
    public void A_shipped_model_keeps_its_names_and_cannot_be_deleted_while_an_added_one_can()
    {
        var catalog = ModelCatalog.Default.Patch("claude-opus-4-5", new JsonObject { ["alias"] = "house-opus" });

        Assert.Equal("claude-opus-4-5-20251101", catalog.Find("claude-opus-4-5")!.Value.Model.Id);
        Assert.Equal("claude-opus-4-5-20251101", catalog.Find("house-opus")!.Value.Model.Id);
        var refused = Assert.Throws<CatalogException>(() => catalog.Delete("claude-opus-4-5"));
        Assert.Contains("not deleted", refused.Message);

        var added = catalog.Create(Definition("acme-claude-ft"), Now);
        var deleted = added.Delete("acme-ft");
        Assert.Null(deleted.Find("acme-claude-ft"));
        Assert.Equal(CatalogProblem.NotFound, Assert.Throws<CatalogException>(() => deleted.Delete("acme-claude-ft")).Problem);
    }

    [Theory]
    [InlineData("""{"id":"m\u0000x","display_name":"x"}""", "id")]
    [InlineData("""{"id":"m-x","display_name":"evil\u0000name"}""", "display_name")]
    [InlineData("""{"id":"m-x","display_name":"two\nlines"}""", "display_name")]
    [InlineData("""{"id":"m-x","display_name":"lone \ud800 surrogate"}""", "display_name")]
    [InlineData("""{"id":"m x","display_name":"x"}""", "id")]
    [InlineData("""{"id":"m-x","display_name":"x","vertex_id":"a\r\nb"}""", "vertex_id")]
    [InlineData("""{"id":"m-x","display_name":"x","prices":{"input":-1,"output":1}}""", "prices.input")]
    [InlineData("""{"id":"m-x","display_name":"x","prices":{"input":1e30,"output":1}}""", "prices.input")]
    [InlineData("""{"id":"m-x","display_name":"x","prices":{"input":"1","output":1}}""", "prices.input")]
    [InlineData("""{"id":"m-x","display_name":"x","prices":{"output":1}}""", "prices.input")]
    [InlineData("""{"id":"m-x","display_name":"x","prices":{"input":1,"output":1,"tiers":[{"above_input_tokens":0,"input":1,"output":1}]}}""", "tiers[0].above_input_tokens")]
    [InlineData("""{"id":"m-x","display_name":"x","provider_prices":{"Bad Slug":{"input":1,"output":1}}}""", "provider_prices")]
    [InlineData("""{"id":"m-x","display_name":"x","context_window":0}""", "context_window")]
    [InlineData("""{"id":"m-x","display_name":"x","bedrock_id":"us.anthropic.m-x"}""", "bedrock_id")]
    [InlineData("""{"id":"m-x","display_name":"x","bedrock_profile":"sometimes"}""", "bedrock_profile")]
    [InlineData("""{"id":"m-x","display_name":"x","created_at":"yesterday"}""", "created_at")]
    [InlineData("""{"id":"m-x","display_name":"x","colour":"red"}""", "colour")]
    [InlineData("""{"id":"m-x"}""", "display_name")]
    public void A_definition_that_could_break_a_name_a_record_or_a_log_line_is_refused_naming_its_field(string json, string field)
    {
        var refused = Assert.Throws<CatalogException>(() => ModelCatalog.Default.Create(JsonNode.Parse(json)!.AsObject(), Now));

        Assert.Equal(CatalogProblem.Invalid, refused.Problem);
        Assert.StartsWith(field, refused.Message.Replace("prices.tiers", "tiers", StringComparison.Ordinal));
    }

    [Fact]
    public void An_oversized_name_is_refused()
    {
        var refused = Assert.Throws<CatalogException>(() => ModelCatalog.Default.Create(Definition(new string('m', 2_400)), Now));

        Assert.StartsWith("id:", refused.Message);
    }

    [Fact]
    public void A_models_id_cannot_be_changed()
    {
        var refused = Assert.Throws<CatalogException>(() => ModelCatalog.Default.Patch("claude-opus-5-5", new JsonObject { ["id"] = "claude-opus-6" }));

        Assert.StartsWith("id:", refused.Message);
    }

    [Fact]
    public void A_stored_layer_that_no_longer_fits_this_build_loses_only_the_changes_that_do_not_fit()
    {
        var layer = CatalogOverrides.None
            .With("acme-claude-ft", Definition("acme-claude-ft", prices: Price(2, 8)))
            // An admin model named like a model a later build ships: it cannot stay.
            .With("zz-clash", Definition("zz-clash", alias: "claude-opus-5-5"));

        var restored = ModelCatalog.Restore(ShippedModels.Current, layer, revision: 7, priceRevision: 3, out var skipped);

        Assert.Equal(["zz-clash"], skipped);
        Assert.NotNull(restored.Get("acme-claude-ft"));
        Assert.Equal("claude-opus-5-5", restored.Find("claude-opus-5-5")!.Value.Model.Id);
        Assert.Equal((7, 3), (restored.Revision, restored.PriceRevision));
    }

    [Fact]
    public void The_admins_layer_round_trips_through_its_json_document()
    {
        var catalog = ModelCatalog.Default
            .Create(Definition("acme-claude-ft", prices: Price(2, 8)), Now)
            .Patch("claude-opus-5-5", new JsonObject { ["provider_prices"] = new JsonObject { ["bedrock-eu"] = Price(4.4m, 22) } });

        var again = ModelCatalog.Build(ShippedModels.Current, CatalogOverrides.FromJson(catalog.Overrides.ToJson()), catalog.Revision, catalog.PriceRevision);

        Assert.Equal(catalog.PriceVersion, again.PriceVersion);
        Assert.Equal(catalog.Price("acme-ft", null), again.Price("acme-ft", null));
        Assert.Equal(4.4m, again.Price("claude-opus-5-5", "bedrock-eu")!.Input);
    }

    private static JsonObject Definition(string id, JsonObject? prices = null, string? alias = null, string? bedrockId = null)
    {
        var json = new JsonObject
        {
            ["id"] = id,
            ["alias"] = alias ?? (id == "acme-claude-ft" ? "acme-ft" : null),
            ["display_name"] = "Acme fine-tune",
            ["bedrock_id"] = bedrockId ?? (id == "acme-claude-ft" ? "anthropic.acme-claude-ft-v1:0" : null),
            ["bedrock_profile"] = "geo",
            ["vertex_id"] = id == "acme-claude-ft" ? "acme-claude-ft@20261201" : null,
            ["prices"] = prices,
        };
        foreach (var empty in json.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            json.Remove(empty);
        }
        return json;
    }

    private static JsonObject Price(decimal input, decimal output) => new() { ["input"] = input, ["output"] = output };
}
