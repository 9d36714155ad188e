using System.Security.Cryptography;
using System.Text;

namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// The SigV4 credential scope, <c>date/region/service/aws4_request</c>: as written in the string to sign, and the
/// signing key derived from the secret along it.
/// </summary>
internal static class CredentialScope
{
    private const int HashLength = 32;

    public static void Write(ref PooledUtf8Writer writer, ReadOnlySpan<char> date, string region, string service)
    {
        writer.Append(date);
        writer.Append((byte)'/');
        writer.Append(region);
        writer.Append((byte)'/');
        writer.Append(service);
        writer.Append("/aws4_request"u8);
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").</summary>
    public static void DeriveSigningKey(string secret, ReadOnlySpan<char> date, string region, string service, Span<byte> key)
    {
        // Sized so it never grows: growing would hand back a buffer holding the secret unwiped.
        var writer = new PooledUtf8Writer(Encoding.UTF8.GetMaxByteCount(4 + secret.Length + date.Length + region.Length + service.Length));
        Span<byte> previous = stackalloc byte[HashLength];
        try
        {
            writer.Append("AWS4"u8);
            writer.Append(secret);
            var secretLength = writer.Length;
            writer.Append(date);
            HMACSHA256.HashData(writer.Written[..secretLength], writer.Written[secretLength..], key);
            Next(ref writer, region, key, previous);
            Next(ref writer, service, key, previous);
            key.CopyTo(previous);
            HMACSHA256.HashData(previous, "aws4_request"u8, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(previous);
            // The pooled buffer held the secret: it goes back wiped.
            writer.Dispose(clear: true);
        }

        static void Next(ref PooledUtf8Writer writer, string part, Span<byte> key, Span<byte> previous)
        {
            key.CopyTo(previous);
            writer.Clear();
            writer.Append(part);
            HMACSHA256.HashData(previous, writer.Written, key);
        }
    }
}
