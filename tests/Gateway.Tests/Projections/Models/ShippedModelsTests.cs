using System.Text.Json.Nodes;
using Gateway.Projections.Models;

namespace Gateway.Tests.Projections.Models;

/// <summary>The shipped data files: they agree with each other, and they hold the models users run today.</summary>
[Trait("Category", "Unit")]
public sealed class ShippedModelsTests
{
    [Fact]
    public void Every_catalogued_model_is_priced_exactly_once_and_every_price_names_a_catalogued_model()
    {
        var shipped = ShippedModels.Current;
        var catalogIds = JsonNode.Parse(ShippedModels.ReadFile("models.json"))!["models"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();
        var pricedNames = JsonNode.Parse(ShippedModels.ReadFile("prices.json"))!["models"]!.AsArray()
            .SelectMany(p => p!["names"]!.AsArray().Select(n => n!.GetValue<string>())).ToList();

        Assert.Equal(catalogIds.Count, catalogIds.Distinct().Count());
        Assert.Equal(pricedNames.Count, pricedNames.Distinct().Count());
        Assert.Equal(catalogIds.Order(), pricedNames.Order());
        Assert.All(ModelCatalog.Default.Models, m => Assert.NotNull(m.Price));
        Assert.Equal(catalogIds.Count, shipped.Models.Length);
    }

    [Fact]
    public void Files_that_disagree_are_refused_when_loaded()
    {
        const string catalog = """{"version":"t","models":[{"id":"m-1","display_name":"M 1"},{"id":"m-2","display_name":"M 2"}]}""";

        var unpriced = Assert.Throws<InvalidDataException>(() => ShippedModels.Load(catalog, """{"version":"t","models":[{"names":["m-1"],"input":1,"output":2}]}"""));
        Assert.Contains("'m-2'", unpriced.Message);
        var unknown = Assert.Throws<InvalidDataException>(() => ShippedModels.Load(catalog,
            """{"version":"t","models":[{"names":["m-1","m-2","m-3"],"input":1,"output":2}]}"""));
        Assert.Contains("'m-3'", unknown.Message);
        var twice = Assert.Throws<InvalidDataException>(() => ShippedModels.Load(catalog,
            """{"version":"t","models":[{"names":["m-1","m-2"],"input":1,"output":2},{"names":["m-2"],"input":1,"output":2}]}"""));
        Assert.Contains("twice", twice.Message);
    }

    [Fact]
    public void The_versions_are_dates_and_both_files_have_one()
    {
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", ShippedModels.Current.CatalogVersion);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", ShippedModels.Current.PriceVersion);
    }

    [Theory]
    [InlineData("claude-fable-5-2", "Claude Fable 5.2", "2026-11-09")]
    [InlineData("claude-opus-5-5", "Claude Opus 5.5", "2026-09-22")]
    [InlineData("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-09-28")]
    [InlineData("claude-haiku-5-5", "Claude Haiku 5.5", "2026-10-07")]
    [InlineData("claude-fable-5-1", "Claude Fable 5.1", "2026-09-01")]
    [InlineData("claude-fable-5", "Claude Fable 5", "2026-06-09")]
    [InlineData("claude-opus-5", "Claude Opus 5", "2026-07-24")]
    [InlineData("claude-sonnet-5", "Claude Sonnet 5", "2026-06-30")]
    public void The_current_family_is_catalogued_with_1m_context_and_128k_output_on_every_cloud(string id, string name, string released)
    {
        var model = ModelCatalog.Default.Get(id);

        Assert.NotNull(model);
        Assert.Equal(name, model.DisplayName);
        Assert.Equal(released, model.CreatedAt.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1_000_000, model.ContextWindow);
        Assert.Equal(128_000, model.MaxOutputTokens);
        Assert.Equal("anthropic." + id, model.BedrockId);
        Assert.Equal(id, model.VertexId);
        Assert.Equal(BedrockProfiles.Geo, model.BedrockProfile);
    }

    [Fact]
    public void Models_are_listed_newest_first()
    {
        var dates = ModelCatalog.Default.Models.Select(m => m.CreatedAt).ToList();

        Assert.Equal(dates.OrderDescending(), dates);
        Assert.Equal("claude-fable-5-2", ModelCatalog.Default.Models[0].Id);
    }
}
