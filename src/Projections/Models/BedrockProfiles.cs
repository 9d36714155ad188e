namespace Gateway.Projections.Models;

/// <summary>
/// Bedrock's inference profiles: a model is called in its own region by its foundation-model id (<see cref="None"/>),
/// or across regions through the geographic profile of the caller's region (<see cref="Geo"/>: <c>us.</c>,
/// <c>eu.</c>, <c>apac.</c>, …) or the global one (<see cref="Global"/>: <c>global.</c>).
/// </summary>
public static class BedrockProfiles
{
    public const string None = "none";
    public const string Geo = "geo";
    public const string Global = "global";

    public const string GlobalPrefix = "global";

    public static IReadOnlyList<string> Rules { get; } = [None, Geo, Global];

    /// <summary>Every profile prefix a Bedrock model id may carry.</summary>
    public static IReadOnlyList<string> Prefixes { get; } = ["us", "us-gov", "eu", "apac", "jp", "au", "ca", GlobalPrefix];

    /// <summary>
    /// The geographic profiles a region may call, preferred first (us-east-1 → us; ap-northeast-1 → jp, then apac;
    /// ap-southeast-2 → au, then apac); none for a region outside every geography.
    /// </summary>
    public static IReadOnlyList<string> Geographies(string? region) => region switch
    {
        null => [],
        _ when region.StartsWith("us-gov-", StringComparison.Ordinal) => ["us-gov"],
        _ when region.StartsWith("us-", StringComparison.Ordinal) => ["us"],
        _ when region.StartsWith("ca-", StringComparison.Ordinal) => ["ca", "us"],
        _ when region.StartsWith("eu-", StringComparison.Ordinal) => ["eu"],
        "ap-northeast-1" or "ap-northeast-3" => ["jp", "apac"],
        "ap-southeast-2" or "ap-southeast-4" => ["au", "apac"],
        _ when region.StartsWith("ap-", StringComparison.Ordinal) => ["apac"],
        _ => [],
    };

    /// <summary>
    /// Splits a Bedrock model id or ARN into its profile prefix (null when it has none) and foundation-model id:
    /// <c>us.anthropic.claude-x</c> → (us, anthropic.claude-x);
    /// <c>arn:aws:bedrock:…:inference-profile/eu.anthropic.claude-x</c> → (eu, anthropic.claude-x);
    /// <c>arn:aws:bedrock:…::foundation-model/anthropic.claude-x</c> → (null, anthropic.claude-x).
    /// Null for anything else (an application inference profile's ARN names no model).
    /// </summary>
    public static (string? Prefix, string FoundationId)? Split(string id)
    {
        if (id.StartsWith("arn:", StringComparison.Ordinal))
        {
            var slash = id.LastIndexOf('/');
            if (slash < 0)
            {
                return null;
            }
            var resource = id[(id.LastIndexOf(':', slash) + 1)..slash];
            if (resource is not ("foundation-model" or "inference-profile"))
            {
                return null;
            }
            id = id[(slash + 1)..];
        }
        foreach (var prefix in Prefixes)
        {
            if (id.Length > prefix.Length + 1 && id.StartsWith(prefix, StringComparison.Ordinal) && id[prefix.Length] == '.')
            {
                return (prefix, id[(prefix.Length + 1)..]);
            }
        }
        return id.StartsWith("anthropic.", StringComparison.Ordinal) ? (null, id) : null;
    }
}
