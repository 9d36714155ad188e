using System.Security.Cryptography;
using System.Text;

namespace Gateway.Grains.Providers;

/// <summary>
/// AES-256-GCM with a random nonce per value; the stored form is <c>v1:</c> + base64(nonce | ciphertext | tag).
/// Every gateway process of a cluster must hold the same key.
/// </summary>
public sealed class AesGcmCredentialProtector : ICredentialProtector
{
    private const string Version = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public AesGcmCredentialProtector(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The credential encryption key must be 32 bytes.", nameof(key));
        }
        _key = key;
    }

    public string Protect(string plaintext)
    {
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + input.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, input, output.AsSpan(NonceSize, input.Length), output.AsSpan(NonceSize + input.Length));
        return Version + Convert.ToBase64String(output);
    }

    public string Unprotect(string protectedValue)
    {
        if (!protectedValue.StartsWith(Version, StringComparison.Ordinal))
        {
            throw new CryptographicException("Unknown credential format.");
        }
        var data = Convert.FromBase64String(protectedValue[Version.Length..]);
        var length = data.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize, length), data.AsSpan(NonceSize + length), plaintext);
        return Encoding.UTF8.GetString(plaintext);
    }
}
