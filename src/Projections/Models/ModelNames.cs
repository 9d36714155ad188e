using System.Collections.Frozen;

namespace Gateway.Projections.Models;

/// <summary>
/// Every name of a catalog's models, each naming one model: the Anthropic id and aliases (also with a
/// <c>-YYYYMMDD</c> snapshot suffix), the Bedrock foundation-model id (also with an inference-profile prefix or as an
/// ARN) and the Vertex id.
/// </summary>
internal sealed class ModelNames
{
    private readonly FrozenDictionary<string, ModelMatch> _names;

    private ModelNames(FrozenDictionary<string, ModelMatch> names) => _names = names;

    /// <summary>Indexes the names of <paramref name="models"/>; throws <see cref="CatalogException"/> when a name would spell two of them.</summary>
    public static ModelNames Of(IEnumerable<ModelEntry> models)
    {
        var names = new Dictionary<string, ModelMatch>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            Add(names, model, model.Id, ModelSpelling.Anthropic, "id");
            foreach (var alias in model.Aliases)
            {
                Add(names, model, alias, ModelSpelling.Anthropic, "alias");
            }
            if (model.VertexId is { } vertex)
            {
                Add(names, model, vertex, ModelSpelling.Vertex, "vertex_id");
            }
            if (model.BedrockId is { } bedrock)
            {
                Add(names, model, bedrock, ModelSpelling.Bedrock, "bedrock_id");
            }
        }
        return new ModelNames(names.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>The model <paramref name="name"/> spells, or null.</summary>
    public ModelMatch? Find(string name)
    {
        if (_names.TryGetValue(name, out var match))
        {
            return match;
        }
        if (BedrockProfiles.Split(name) is { } bedrock && _names.TryGetValue(bedrock.FoundationId, out match) && match.Spelling == ModelSpelling.Bedrock)
        {
            return match with { BedrockPrefix = bedrock.Prefix };
        }
        return SnapshotBase(name) is { } undated && _names.TryGetValue(undated, out match) && match.Spelling == ModelSpelling.Anthropic ? match : null;
    }

    private static void Add(Dictionary<string, ModelMatch> names, ModelEntry model, string name, ModelSpelling spelling, string field)
    {
        if (names.TryGetValue(name, out var existing))
        {
            if (existing.Model.Id == model.Id)
            {
                return;
            }
            throw new CatalogException($"{field}: '{name}' already names model '{existing.Model.Id}'.", CatalogProblem.Conflict);
        }
        names[name] = new ModelMatch(model, spelling);
    }

    /// <summary><c>claude-opus-4-5-20251101</c> → <c>claude-opus-4-5</c>; null when there is no date suffix.</summary>
    private static string? SnapshotBase(string model)
    {
        const int suffix = 9; // "-" + 8 digits
        if (model.Length <= suffix || model[^suffix] != '-')
        {
            return null;
        }
        foreach (var c in model.AsSpan(model.Length - 8))
        {
            if (!char.IsAsciiDigit(c))
            {
                return null;
            }
        }
        return model[..^suffix];
    }
}
