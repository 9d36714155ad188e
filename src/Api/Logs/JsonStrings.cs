using System.Text.Json.Nodes;

namespace Gateway.Api.Logs;

/// <summary>Rewrites every string value of a JSON tree in place (object keys and structure stay as they are).</summary>
public static class JsonStrings
{
    public static void Rewrite(JsonNode? node, Func<string, string> rewrite)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (obj[name] is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        obj[name] = rewrite(text);
                    }
                    else
                    {
                        Rewrite(obj[name], rewrite);
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        array[i] = rewrite(text);
                    }
                    else
                    {
                        Rewrite(array[i], rewrite);
                    }
                }
                break;
        }
    }

    /// <summary>
    /// NUL characters replaced (U+FFFD): PostgreSQL's jsonb cannot hold <c>\u0000</c>, and one such body must not
    /// cost the other bodies of its batch their place in the log.
    /// </summary>
    public static void RemoveNul(JsonNode? node)
    {
        RenameKeys(node);
        Rewrite(node, Clean);
    }

    private static string Clean(string text) => text.Contains('\0') ? text.Replace('\0', '\uFFFD') : text;

    private static void RenameKeys(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).Where(k => k.Contains('\0')).ToList())
                {
                    var value = obj[name];
                    obj.Remove(name);
                    obj[Clean(name)] = value;
                }
                foreach (var (_, value) in obj)
                {
                    RenameKeys(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RenameKeys(item);
                }
                break;
        }
    }
}
