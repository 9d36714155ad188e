using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Api.SignOn;

/// <summary>
/// Validation of a JWT an OpenID Connect issuer signed, shared by data-plane sign-on and console sign-in: only
/// asymmetric algorithms (never <c>none</c>), and the issuer's keys fetched again once when a token names a key the
/// cached set lacks (the issuer may have rolled its keys over).
/// </summary>
public static class IssuerTokens
{
    public static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private const int RefreshWaits = 40;
    private static readonly TimeSpan RefreshWaitStep = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Validates <paramref name="token"/> with the parameters built for the issuer's current configuration; throws when
    /// the configuration (discovery or keys) cannot be fetched.
    /// </summary>
    public static async Task<TokenValidationResult> ValidateAsync(JsonWebTokenHandler handler, string token,
        ConfigurationManager<OpenIdConnectConfiguration> configurations, Func<OpenIdConnectConfiguration, TokenValidationParameters> parameters,
        CancellationToken cancellationToken)
    {
        var configuration = await configurations.GetConfigurationAsync(cancellationToken);
        var result = await handler.ValidateTokenAsync(token, parameters(configuration));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // At most once per refresh interval (the configuration manager's own limit).
            configurations.RequestRefresh();
            var refreshed = await configurations.GetConfigurationAsync(cancellationToken);
            // Where the refresh runs in the background (the blocking switch is read once per process, and may have been
            // read before the gateway set it), its result is waited for, briefly.
            for (var wait = 0; ReferenceEquals(refreshed, configuration) && wait < RefreshWaits; wait++)
            {
                await Task.Delay(RefreshWaitStep, cancellationToken);
                refreshed = await configurations.GetConfigurationAsync(cancellationToken);
            }
            if (!ReferenceEquals(refreshed, configuration))
            {
                result = await handler.ValidateTokenAsync(token, parameters(refreshed));
            }
        }
        return result;
    }

    /// <summary>
    /// What a token of <paramref name="issuer"/> for <paramref name="audience"/> must be: signed with one of the issuer's
    /// published keys by an allowed algorithm, unexpired (within <paramref name="clockSkew"/>), with issuer and audience matching.
    /// </summary>
    public static TokenValidationParameters Parameters(string? issuer, string? audience, OpenIdConnectConfiguration configuration, TimeSpan clockSkew) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = audience,
        ValidAlgorithms = Algorithms,
        IssuerSigningKeys = configuration.SigningKeys,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ValidateIssuer = true,
        ValidateAudience = true,
        ClockSkew = clockSkew,
    };

    /// <summary>Why a token was refused, for the person who presented it.</summary>
    public static string Reason(Exception? refusal) => refusal switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet (nbf).",
        SecurityTokenNoExpirationException => "The token has no expiry (exp).",
        SecurityTokenInvalidAudienceException => "The token is not meant for this gateway (aud).",
        SecurityTokenInvalidIssuerException => "The token's issuer does not match its identity provider.",
        SecurityTokenSignatureKeyNotFoundException => "The token is signed with a key its issuer does not publish.",
        SecurityTokenInvalidAlgorithmException => "The token's signing algorithm is not allowed.",
        SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        _ => "The token is not valid.",
    };
}
