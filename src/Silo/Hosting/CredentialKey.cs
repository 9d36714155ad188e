using System.Security.Cryptography;
using Gateway.Silo.Database;

namespace Gateway.Silo.Hosting;

/// <summary>
/// The key that encrypts provider credentials at rest: <c>GATEWAY_ENCRYPTION_KEY</c> (base64 of 32 bytes), or,
/// with the embedded database only, one generated once into the data folder. Every process of a cluster must
/// use the same key, so a shared database requires the variable.
/// </summary>
public static class CredentialKey
{
    public const string Variable = "GATEWAY_ENCRYPTION_KEY";

    public static byte[] Load(IConfiguration configuration, GatewaySettings settings)
    {
        if (configuration[Variable] is { Length: > 0 } configured)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(configured);
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{Variable} must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`).");
            }
            return key.Length == 32 ? key : throw new InvalidOperationException($"{Variable} must decode to 32 bytes, not {key.Length}.");
        }

        if (!settings.EmbeddedDatabase)
        {
            // A key generated per machine would make one process unable to read what another stored.
            throw new InvalidOperationException(
                $"{Variable} is required when ConnectionStrings__Gateway is set: every gateway process on that database must share it " +
                "(base64 of 32 random bytes, e.g. `openssl rand -base64 32`).");
        }
        var dataRoot = Path.GetFullPath(settings.DataDirectory);
        Directory.CreateDirectory(dataRoot);
        var stored = SecretFile.ReadOrCreate(Path.Combine(dataRoot, "credentials.key"),
            () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return Convert.FromBase64String(stored);
    }
}
