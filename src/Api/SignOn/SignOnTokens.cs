using System.Collections.Immutable;
using Gateway.Api.Errors;
using Gateway.Grains.Identity;
using Gateway.Grains.Keys;
using Gateway.Grains.Users;
using Gateway.Projections.Usage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Api.SignOn;

/// <summary>A validated token's user (<see cref="SignOn"/>, its user id), or the error the client gets.</summary>
public sealed record SignOnResult(string? UserId, Grains.Users.SignOn? SignOn, ApiError? Error)
{
    public static SignOnResult Refused(string message) => new(null, null, ApiError.Of(401, message));
}

/// <summary>
/// Signs a user on with a bearer JWT from a registered issuer: the signature against the issuer's published keys
/// (fetched again once when a token names a key the cached set lacks), <c>iss</c>, <c>aud</c>, <c>exp</c>/<c>nbf</c>
/// within the clock skew, and only asymmetric algorithms (never <c>none</c>); then the claims that name the user, their
/// groups and metadata, bounded and checked like any client input before they reach a record.
/// </summary>
public sealed partial class SignOnTokens(IdentityProviderDirectory directory, IOptions<SignOnOptions> options, ILogger<SignOnTokens> logger)
{
    // Groups are only matched against rules, never recorded; more than this many are not looked at.
    private const int MaxGroups = 1000;

    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = options.Value.MaxTokenBytes };

    /// <summary>Whether a presented credential has a JWT's shape (three dot-separated parts) rather than a gateway key's.</summary>
    public static bool LooksLikeJwt(string value) => value.AsSpan().Count('.') == 2;

    public async Task<SignOnResult> SignOnAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length > options.Value.MaxTokenBytes || !_handler.CanReadToken(token))
        {
            return SignOnResult.Refused("The bearer token is neither a gateway key nor a readable JWT.");
        }
        string issuer;
        try
        {
            issuer = new JsonWebToken(token).Issuer;
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException)
        {
            return SignOnResult.Refused("The bearer token is neither a gateway key nor a readable JWT.");
        }
        if (string.IsNullOrEmpty(issuer) || await directory.FindAsync(issuer) is not { } provider)
        {
            return SignOnResult.Refused("The token's issuer is not a registered identity provider.");
        }

        TokenValidationResult result;
        try
        {
            result = await IssuerTokens.ValidateAsync(_handler, token, directory.ConfigurationOf(issuer),
                configuration => Parameters(provider.Definition, configuration), cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogKeysUnavailable(logger, e, provider.Slug);
            return new SignOnResult(null, null, ApiError.Of(503, $"The signing keys of identity provider '{provider.Slug}' cannot be fetched right now; try again shortly."));
        }
        if (!result.IsValid)
        {
            LogRefused(logger, provider.Slug, result.Exception?.GetType().Name ?? "unknown");
            return SignOnResult.Refused(IssuerTokens.Reason(result.Exception));
        }
        return Claims(provider, (JsonWebToken)result.SecurityToken);
    }

    private TokenValidationParameters Parameters(IdentityProviderDefinition definition, OpenIdConnectConfiguration configuration) =>
        IssuerTokens.Parameters(definition.Issuer, definition.Audience, configuration, options.Value.ClockSkew);

    /// <summary>The user, their placement and their claims' metadata, or why the claims cannot sign anyone on.</summary>
    private static SignOnResult Claims(IdentityProviderView provider, JsonWebToken token)
    {
        var definition = provider.Definition;
        if (!token.TryGetPayloadValue<string>(definition.UserClaim, out var subject) || string.IsNullOrEmpty(subject))
        {
            return SignOnResult.Refused($"The token has no '{definition.UserClaim}' claim naming the user.");
        }
        var metadata = ImmutableDictionary.CreateBuilder<string, string>();
        metadata[SignOnMetadata.User] = subject;
        foreach (var (key, claim) in definition.MetadataClaims)
        {
            if (token.TryGetPayloadValue<string>(claim, out var value) && !string.IsNullOrEmpty(value))
            {
                metadata[key] = value;
            }
        }
        if (InputLimits.CheckMetadata(metadata) is { } invalid)
        {
            return SignOnResult.Refused($"The token's claims cannot be recorded as metadata: {invalid}.");
        }
        var groups = token.Claims.Where(c => c.Type == definition.GroupsClaim).Take(MaxGroups).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        if (definition.Place(groups) is not { } placement)
        {
            return new SignOnResult(null, null, ApiError.For(AdmissionRefusal.NoWorkspace,
                $"No rule of identity provider '{provider.Slug}' places this user in a workspace, and it has no default_workspace."));
        }
        return new SignOnResult(UserIds.Of(provider.Slug, subject), new Grains.Users.SignOn(provider.Slug, subject, placement, metadata.ToImmutable()), null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The signing keys of identity provider {Provider} could not be fetched")]
    private static partial void LogKeysUnavailable(ILogger logger, Exception exception, string provider);

    [LoggerMessage(Level = LogLevel.Information, Message = "A token of identity provider {Provider} was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string provider, string reason);
}
