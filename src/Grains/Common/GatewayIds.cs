using System.Security.Cryptography;

namespace Gateway.Grains.Common;

/// <summary>
/// Time-ordered random identifiers (48-bit millisecond time + 80 random bits, Crockford base32, lower case),
/// so ids sort by creation and list pages can use the last id as their cursor.
/// </summary>
public static class GatewayIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>An id whose random part comes from the cryptographic generator (resource ids, key ids).</summary>
    public static string New(string prefix) => prefix + NewBody(DateTimeOffset.UtcNow);

    /// <summary>
    /// A per-request id: unique and time-ordered, but not secret, so its random part comes from the fast
    /// non-cryptographic generator (the cryptographic one costs a call into OpenSSL on every request).
    /// </summary>
    public static string NewRequestId() => "req_" + NewBody(DateTimeOffset.UtcNow, cryptographic: false);

    public static string NewBody(DateTimeOffset time, bool cryptographic = true)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)time.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }
        if (cryptographic)
        {
            RandomNumberGenerator.Fill(bytes[6..]);
        }
        else
        {
            Random.Shared.NextBytes(bytes[6..]);
        }

        // 128 bits -> 26 base32 characters, most significant first.
        Span<char> chars = stackalloc char[26];
        var high = ((ulong)bytes[0] << 56) | ((ulong)bytes[1] << 48) | ((ulong)bytes[2] << 40) | ((ulong)bytes[3] << 32)
                   | ((ulong)bytes[4] << 24) | ((ulong)bytes[5] << 16) | ((ulong)bytes[6] << 8) | bytes[7];
        var low = ((ulong)bytes[8] << 56) | ((ulong)bytes[9] << 48) | ((ulong)bytes[10] << 40) | ((ulong)bytes[11] << 32)
                  | ((ulong)bytes[12] << 24) | ((ulong)bytes[13] << 16) | ((ulong)bytes[14] << 8) | bytes[15];
        var value = new UInt128(high, low);
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }
}
