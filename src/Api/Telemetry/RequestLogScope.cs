using System.Collections;
using Gateway.Api.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Api.Telemetry;

/// <summary>
/// Puts the request's <c>request-id</c> in the logging scope of everything logged while the request is served, as
/// <c>RequestId</c> (it replaces ASP.NET Core's connection-based id of the same name), so a log line of any component
/// can be matched to the client's answer, the ledger and the request log.
/// </summary>
public sealed class RequestLogScope(RequestDelegate next, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("Gateway.Api");

    public async Task InvokeAsync(HttpContext context)
    {
        if (RequestIds.Get(context) is not { } requestId)
        {
            await next(context);
            return;
        }
        using (_logger.BeginScope(new Scope(requestId)))
        {
            await next(context);
        }
    }

    /// <summary>The scope's one property; a logger that does not read properties prints <see cref="ToString"/>.</summary>
    private sealed class Scope(string requestId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] =>
            index == 0 ? new("RequestId", requestId) : throw new ArgumentOutOfRangeException(nameof(index));

        public int Count => 1;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestId:{requestId}";
    }
}
