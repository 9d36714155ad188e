using System.Security.Cryptography;
using System.Text;
using Gateway.Grains.Providers;

namespace Gateway.Tests.Grains.Providers;

/// <summary>Provider credentials at rest: encrypted, and bound to their provider.</summary>
[Trait("Category", "Unit")]
public sealed class AesGcmCredentialProtectorTests
{
    private static readonly byte[] Key = SHA256.HashData("credential tests"u8);
    private readonly AesGcmCredentialProtector _protector = new(Key);

    [Fact]
    public void A_credential_decrypts_for_its_own_provider_and_never_shows_in_its_ciphertext()
    {
        var sealedValue = _protector.Protect("""{"api_key":"sk-ant-secret"}""", "provider/anthropic-prod");

        Assert.StartsWith("v2:", sealedValue);
        Assert.DoesNotContain("sk-ant-secret", sealedValue);
        Assert.Equal("""{"api_key":"sk-ant-secret"}""", _protector.Unprotect(sealedValue, "provider/anthropic-prod"));
    }

    [Fact]
    public void A_ciphertext_copied_to_another_providers_row_does_not_decrypt_there()
    {
        var sealedValue = _protector.Protect("""{"api_key":"sk-ant-secret"}""", "provider/finance");

        Assert.ThrowsAny<CryptographicException>(() => _protector.Unprotect(sealedValue, "provider/attacker-controlled"));
    }

    [Fact]
    public void A_value_stored_before_credentials_were_bound_still_decrypts_and_is_known_as_legacy()
    {
        // The v1 format: nonce | ciphertext | tag without associated data.
        var input = Encoding.UTF8.GetBytes("""{"api_key":"old"}""");
        var data = new byte[12 + input.Length + 16];
        RandomNumberGenerator.Fill(data.AsSpan(0, 12));
        using (var aes = new AesGcm(Key, 16))
        {
            aes.Encrypt(data.AsSpan(0, 12), input, data.AsSpan(12, input.Length), data.AsSpan(12 + input.Length));
        }
        var legacy = "v1:" + Convert.ToBase64String(data);

        Assert.True(_protector.IsLegacy(legacy));
        Assert.Equal("""{"api_key":"old"}""", _protector.Unprotect(legacy, "provider/any"));
        Assert.False(_protector.IsLegacy(_protector.Protect("x", "provider/any")));
    }
}
