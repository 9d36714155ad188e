using System.Security.Cryptography;
using Gateway.Grains.Common;

namespace Gateway.Grains.Keys;

/// <summary>
/// Gateway key format: <c>gwk_{id}_{secret}</c>, where <c>id</c> names the key's grain (26 base32 characters)
/// and <c>secret</c> is 256 random bits in hex. Only <see cref="SecretHash"/> of the whole string is stored.
/// </summary>
public static class ApiKeySecret
{
    private const string Prefix = "gwk_";
    private const int IdLength = 26;
    private const int SecretLength = 64;

    public static string NewKeyId() => "key_" + GatewayIds.NewBody(DateTimeOffset.UtcNow);

    /// <summary>A fresh secret for the key <paramref name="keyId"/>.</summary>
    public static string Create(string keyId) =>
        Prefix + keyId["key_".Length..] + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecretLength / 2));

    public static byte[] Hash(string presented) => SecretHash.Of(presented);

    /// <summary>A short, non-secret reminder of which key this is, e.g. <c>gwk_01jx3...9f2a</c>.</summary>
    public static string Hint(string secret) => secret[..(Prefix.Length + 5)] + "..." + secret[^4..];

    /// <summary>Reads the key id out of a presented key; false when it cannot be a gateway key.</summary>
    public static bool TryParse(string? presented, out string keyId)
    {
        keyId = "";
        if (presented is null || presented.Length != Prefix.Length + IdLength + 1 + SecretLength
            || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented[Prefix.Length + IdLength] != '_')
        {
            return false;
        }
        foreach (var c in presented.AsSpan(Prefix.Length, IdLength))
        {
            if (!char.IsAsciiDigit(c) && !char.IsAsciiLetterLower(c))
            {
                return false;
            }
        }
        keyId = "key_" + presented.Substring(Prefix.Length, IdLength);
        return true;
    }
}
