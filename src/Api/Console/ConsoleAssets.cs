using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;

namespace Gateway.Api.Console;

/// <summary>
/// The console's files, embedded in this assembly (<c>Console/assets</c>, logical names <c>console/&lt;file&gt;</c>): the
/// gateway serves them as built, with no front-end build step and nothing to deploy beside it.
/// </summary>
public static class ConsoleAssets
{
    // No inline script or style, nothing from elsewhere, no framing, no referrer: user data shown in the page cannot run.
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly Assembly Assembly = typeof(ConsoleAssets).Assembly;
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private static readonly HashSet<string> Names = [.. Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("console/", StringComparison.Ordinal))
        .Select(n => n["console/".Length..])];

    public static IResult Page() => Asset("index.html");

    public static IResult Asset(string name)
    {
        if (!Names.Contains(name) || !ContentTypes.TryGetContentType(name, out var contentType))
        {
            return TypedResults.NotFound();
        }
        var stream = Assembly.GetManifestResourceStream("console/" + name)!;
        return TypedResults.Stream(stream, contentType.StartsWith("text/", StringComparison.Ordinal) || name.EndsWith(".js", StringComparison.Ordinal)
            ? contentType + "; charset=utf-8"
            : contentType);
    }

    public static ValueTask<object?> AddSecurityHeaders(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return next(context);
    }
}
