using System.Security.Cryptography;
using System.Text;

namespace Gateway.Grains.Common;

/// <summary>
/// How the gateway stores a secret it issued (API keys, admin tokens): the SHA-256 of its UTF-8 text. A fast
/// hash is enough because these secrets are 256 random bits, with no dictionary to attack.
/// </summary>
public static class SecretHash
{
    public static byte[] Of(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
