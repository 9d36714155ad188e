using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Health;

/// <summary>Tells whether this process can serve: the host supplies the check (cluster membership, database).</summary>
public interface IReadinessCheck
{
    Task<(bool Ready, string Detail)> CheckAsync(CancellationToken cancellationToken);
}

/// <summary><c>/healthz</c> (the process lives) and <c>/readyz</c> (cluster and database usable).</summary>
public static class HealthApi
{
    public const string Liveness = "/healthz";
    public const string Readiness = "/readyz";

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Liveness, () => TypedResults.Ok(new { status = "ok" }));
        app.MapGet(Readiness, async (IReadinessCheck check, CancellationToken cancellationToken) =>
        {
            var (ready, detail) = await check.CheckAsync(cancellationToken);
            return ready
                ? Results.Ok(new { status = "ready", detail })
                : Results.Json(new { status = "not_ready", detail }, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
