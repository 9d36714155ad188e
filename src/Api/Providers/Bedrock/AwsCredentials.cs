namespace Gateway.Api.Providers.Bedrock;

/// <summary>An AWS access key, with the session token that temporary (STS) credentials carry.</summary>
/// <param name="AccessKeyId">The access key id, named in every signature's credential scope.</param>
/// <param name="SecretAccessKey">The secret the signing key is derived from; never sent, never printed.</param>
/// <param name="SessionToken">The STS session token, sent (and signed) as <c>x-amz-security-token</c> when present.</param>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    /// <summary>Names the key but never the secret or the token, so credentials can appear in logs safely.</summary>
    public override string ToString() =>
        $"AwsCredentials {{ AccessKeyId = {AccessKeyId}, SessionToken = {(SessionToken is null ? "none" : "set")} }}";
}
