using Gateway.Api.Errors;
using Gateway.Api.SignOn;
using Gateway.Grains;
using Gateway.Grains.Keys;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.DataPlane;

/// <summary>
/// Who a data-plane request says it is: a gateway key (whose grain checks the secret), or a user whose identity
/// provider's token was validated here (whose grain checks the block and places the request).
/// </summary>
internal sealed record Caller(string? KeyId, byte[]? SecretHash, string? UserId, Grains.Users.SignOn? SignOn)
{
    /// <summary>Admits one request through the caller's grain (the single activation that revocation and blocks act on).</summary>
    public Task<Admission> AdmitAsync(IGrainFactory grains, string? model, string[]? modelNames) => SignOn is null
        ? grains.ApiKey(KeyId!).AdmitAsync(SecretHash!, model, modelNames)
        : grains.User(UserId!).AdmitAsync(SignOn);
}

/// <summary>Reads a request's credential: a gateway key, or a JWT of a registered identity provider.</summary>
public sealed class Callers(SignOnTokens tokens)
{
    /// <summary>The caller, or the error to answer (401, or 503 when an issuer's keys cannot be fetched).</summary>
    internal async Task<(Caller? Caller, ApiError Error)> IdentifyAsync(HttpRequest request)
    {
        if (GatewayKeys.Presented(request, out var problem) is not { } presented)
        {
            return (null, ApiError.Of(401, problem));
        }
        if (ApiKeySecret.TryParse(presented, out var keyId))
        {
            return (new Caller(keyId, ApiKeySecret.Hash(presented), null, null), default);
        }
        if (!SignOnTokens.LooksLikeJwt(presented))
        {
            return (null, ApiError.Of(401, "invalid x-api-key"));
        }
        var signedOn = await tokens.SignOnAsync(presented, request.HttpContext.RequestAborted);
        if (signedOn.Error is { Status: 503 })
        {
            // The identity provider is out of reach, not the token wrong: the client may try again.
            request.HttpContext.Response.Headers.RetryAfter = "1";
        }
        return signedOn.Error is { } refused ? (null, refused) : (new Caller(null, null, signedOn.UserId, signedOn.SignOn), default);
    }
}
