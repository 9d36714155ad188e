using System.Security.Cryptography;
using System.Text;

namespace Gateway.Grains.Providers;

/// <summary>
/// AES-256-GCM with a random nonce per value and the owning resource (the provider's slug) as associated data, so a
/// ciphertext copied into another provider's row does not decrypt there. The stored form is <c>v2:</c> +
/// base64(nonce | ciphertext | tag); <c>v1:</c> values (no associated data) from earlier versions are still read and
/// are rewritten as <c>v2:</c> by their provider. Every gateway process of a cluster must hold the same key.
/// </summary>
public sealed class AesGcmCredentialProtector : ICredentialProtector
{
    private const string Legacy = "v1:";
    private const string Version = "v2:";
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

    public string Protect(string plaintext, string boundTo)
    {
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + input.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, input, output.AsSpan(NonceSize, input.Length), output.AsSpan(NonceSize + input.Length), AssociatedData(boundTo));
        return Version + Convert.ToBase64String(output);
    }

    public string Unprotect(string protectedValue, string boundTo)
    {
        var associated = protectedValue.StartsWith(Version, StringComparison.Ordinal) ? AssociatedData(boundTo)
            : protectedValue.StartsWith(Legacy, StringComparison.Ordinal) ? null
            : throw new CryptographicException("Unknown credential format.");
        var data = Convert.FromBase64String(protectedValue[Version.Length..]);
        var length = data.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize, length), data.AsSpan(NonceSize + length), plaintext, associated);
        return Encoding.UTF8.GetString(plaintext);
    }

    public bool IsLegacy(string protectedValue) => protectedValue.StartsWith(Legacy, StringComparison.Ordinal);

    private static byte[] AssociatedData(string boundTo) => Encoding.UTF8.GetBytes("gateway/" + boundTo);
}
