using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Gateway.Tests.EndToEnd;

/// <summary>Valid requests of every endpoint, and ways to break them.</summary>
internal static class FuzzMutations
{
    private static readonly string[] Hostile =
    [
        "\u0000", "\r\n", "\n[00:00:00 INF] forged", "\\ud800", "\\udc00x", "\"", "\\", "\u2028", "😀", "\uFFFF", "%00", "../../etc/passwd",
        "${jndi:ldap://x}", "=cmd|' /C calc'!A0", "<script>", "' OR 1=1 --", "\t", "\u001b[31m",
    ];

    private static readonly Func<string, string>[] Bodies =
    [
        model => $$"""{"model":"{{model}}","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}""",
        model => $$"""{"model":"{{model}}","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}""",
        model => $$$"""{"model":"{{{model}}}","max_tokens":16,"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"metadata":{"user_id":"u"}}""",
    ];

    private static readonly string[] AdminPaths =
    [
        "/admin/v1/workspaces", "/admin/v1/keys", "/admin/v1/models", "/admin/v1/providers", "/admin/v1/configs", "/admin/v1/models/claude-opus-5-5",
        "/admin/v1/workspaces/fuzz", "/admin/v1/logs?q=", "/admin/v1/spend?group_by=metadata.", "/admin/v1/chargeback?month=2026-12&dimension=metadata.",
        "/admin/v1/audit?actor=",
    ];

    public static HttpRequestMessage Next(Random random, string secret, string keyId) => random.Next(12) switch
    {
        < 5 => Messages(random, secret),
        < 7 => Headers(random, secret),
        < 8 => Models(random, secret),
        < 10 => CloudFronts(random, secret),
        _ => Admin(random, keyId),
    };

    /// <summary>Bedrock- and Vertex-format requests: junk models in the path, mutated bodies and betas, unknown operations.</summary>
    private static HttpRequestMessage CloudFronts(Random random, string secret)
    {
        var model = random.Next(4) == 0 ? Junk(random) : random.Next(2) == 0 ? "us.anthropic.claude-opus-5-5" : "claude-opus-5-5@20260922";
        var body = Bodies[random.Next(Bodies.Length)](model);
        if (random.Next(3) == 0)
        {
            body = "{\"anthropic_beta\":[\"" + Junk(random).Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"]," + body[1..];
        }
        body = random.Next(2) == 0 ? Mutate(random, body) : body;
        string path;
        if (random.Next(2) == 0)
        {
            var action = new[] { "invoke", "invoke-with-response-stream", "count-tokens", "converse" }[random.Next(4)];
            if (action == "count-tokens" && random.Next(3) > 0)
            {
                body = new JsonObject { ["input"] = new JsonObject { ["invokeModel"] = new JsonObject { ["body"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(body)) } } }.ToJsonString();
            }
            path = $"/bedrock/model/{Uri.EscapeDataString(model)}/{action}";
        }
        else
        {
            var target = random.Next(5) == 0 ? "count-tokens" : Uri.EscapeDataString(model);
            var method = new[] { "rawPredict", "streamRawPredict", "predict" }[random.Next(3)];
            path = $"/vertex/v1/projects/{Uri.EscapeDataString(Junk(random))}/locations/us-east5/publishers/anthropic/models/{target}:{method}";
        }
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Content(random, body) };
        var key = random.Next(8) == 0 ? Ascii(Junk(random)) : secret;
        if (random.Next(2) == 0)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", key);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + key);
        }
        return request;
    }

    private static HttpRequestMessage Messages(Random random, string secret)
    {
        var model = random.Next(4) == 0 ? Junk(random) : "claude-opus-5-5";
        var body = Bodies[random.Next(Bodies.Length)](model);
        body = random.Next(3) switch
        {
            0 => Mutate(random, body),
            1 => Mutate(random, Mutate(random, body)),
            _ => body,
        };
        var path = random.Next(5) == 0 ? "/v1/messages/count_tokens" : "/v1/messages";
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Content(random, body) };
        request.Headers.TryAddWithoutValidation("x-api-key", secret);
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        return request;
    }

    private static HttpRequestMessage Headers(Random random, string secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = Content(random, Bodies[0]("claude-opus-5-5")),
        };
        switch (random.Next(6))
        {
            case 4:
                request.Headers.TryAddWithoutValidation("authorization", "Bearer " + Jwt(random));
                break;
            case 0:
                // JSON escapes every hostile character (\u0000, lone surrogates): what a client can put on the wire.
                request.Headers.TryAddWithoutValidation("x-gateway-metadata", Ascii(Mutate(random,
                    new JsonObject { ["user"] = Junk(random), [Junk(random)] = "x" }.ToJsonString(Escaped))));
                break;
            case 1:
                request.Headers.TryAddWithoutValidation("x-gateway-metadata", new JsonObject([.. Enumerable.Range(0, random.Next(40))
                    .Select(i => KeyValuePair.Create($"k{i}", (JsonNode?)new string('v', random.Next(400))))]).ToJsonString());
                break;
            case 2:
                request.Headers.TryAddWithoutValidation("x-api-key", Ascii(Mutate(random, secret)));
                break;
            case 3:
                request.Headers.TryAddWithoutValidation("authorization", "Bearer " + Ascii(Junk(random)));
                break;
            default:
                request.Headers.TryAddWithoutValidation("anthropic-beta", Ascii(Junk(random)));
                break;
        }
        if (!request.Headers.Contains("x-api-key") && !request.Headers.Contains("authorization"))
        {
            request.Headers.TryAddWithoutValidation("x-api-key", secret);
        }
        return request;
    }

    /// <summary>A JWT's shape (three base64url parts) around mutated header, claims and signature: it must be read as one, and refused.</summary>
    private static string Jwt(Random random)
    {
        static string Part(string json) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(json);
        var header = Mutate(random, new JsonObject { ["alg"] = random.Next(2) == 0 ? "none" : "RS256", ["kid"] = Junk(random) }.ToJsonString(Escaped));
        var claims = Mutate(random, new JsonObject { ["iss"] = "https://idp.example/" + Junk(random), ["aud"] = Junk(random), ["exp"] = random.Next() }
            .ToJsonString(Escaped));
        return Ascii($"{Part(header)}.{Part(claims)}.{Junk(random)}");
    }

    private static HttpRequestMessage Models(Random random, string secret)
    {
        var path = random.Next(2) == 0
            ? "/v1/models/" + Uri.EscapeDataString(Junk(random))
            : "/v1/models?limit=" + Uri.EscapeDataString(Junk(random)) + "&after_id=" + Uri.EscapeDataString(Junk(random));
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("x-api-key", secret);
        return request;
    }

    private static HttpRequestMessage Admin(Random random, string keyId)
    {
        var path = AdminPaths[random.Next(AdminPaths.Length)];
        if (path.EndsWith('=') || path.EndsWith('.'))
        {
            return new HttpRequestMessage(HttpMethod.Get, path + Uri.EscapeDataString(Junk(random)));
        }
        var body = new JsonObject
        {
            ["id"] = random.Next(3) == 0 ? Junk(random) : $"fz-{random.Next(1_000_000)}",
            ["slug"] = $"fz-{random.Next(1_000_000)}",
            ["name"] = Junk(random),
            ["display_name"] = Junk(random),
            ["workspace"] = random.Next(2) == 0 ? "fuzz" : Junk(random),
            ["kind"] = "anthropic",
            ["credentials"] = new JsonObject { ["api_key"] = Junk(random) },
            ["metadata"] = new JsonObject { [random.Next(2) == 0 ? "user" : Junk(random)] = Junk(random) },
            ["prices"] = new JsonObject { ["input"] = random.Next(3) == 0 ? Junk(random) : random.Next(100), ["output"] = random.NextDouble() * 1e6 },
            ["config"] = new JsonObject { ["targets"] = new JsonArray(new JsonObject { ["provider"] = "@" + Junk(random) }) },
        };
        var method = path.Count(c => c == '/') > 3 ? HttpMethod.Patch : HttpMethod.Post;
        return new HttpRequestMessage(method, path) { Content = Content(random, random.Next(3) == 0 ? Mutate(random, body.ToJsonString()) : body.ToJsonString()) };
    }

    private static readonly System.Text.Json.JsonSerializerOptions Escaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default };

    /// <summary>What a header can carry on the wire: visible ASCII (the client library refuses the rest).</summary>
    private static string Ascii(string text) => new([.. text.Select(c => c is >= ' ' and <= '~' ? c : '?')]);

    private static HttpContent Content(Random random, string body)
    {
        if (random.Next(10) == 0 && body.Length > 0)
        {
            // Bytes that are not UTF-8.
            var bytes = Encoding.UTF8.GetBytes(body);
            bytes[random.Next(bytes.Length)] = (byte)random.Next(0x80, 0x100);
            return new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        }
        return new StringContent(body, Encoding.UTF8, random.Next(20) == 0 ? "text/plain" : "application/json");
    }

    private static string Junk(Random random) => random.Next(6) switch
    {
        0 => new string('x', random.Next(200, 5_000)),
        1 => string.Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => Hostile[random.Next(Hostile.Length)])),
        2 => "claude-" + Hostile[random.Next(Hostile.Length)],
        3 => "",
        4 => "us.anthropic." + new string('z', random.Next(1, 300)),
        _ => Guid.NewGuid().ToString(),
    };

    /// <summary>One random edit: a byte dropped, a fragment inserted, the text cut, a value repeated as a duplicate key.</summary>
    private static string Mutate(Random random, string text)
    {
        if (text.Length == 0)
        {
            return Hostile[random.Next(Hostile.Length)];
        }
        var at = random.Next(text.Length);
        return random.Next(6) switch
        {
            0 => text.Remove(at, 1),
            1 => text.Insert(at, Hostile[random.Next(Hostile.Length)]),
            2 => text[..at],
            3 => text.Insert(at, new string('[', random.Next(1, 400))),
            4 => text.StartsWith('{') ? "{\"max_tokens\":1," + text[1..] : text + "}",
            _ => text.Replace("\"hi\"", "\"" + Junk(random).Replace("\"", "\\\"") + "\""),
        };
    }
}
