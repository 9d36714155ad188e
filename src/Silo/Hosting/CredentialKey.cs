using System.Security.Cryptography;

namespace Gateway.Silo.Hosting;

/// <summary>
/// The key that encrypts provider credentials at rest: <c>GATEWAY_ENCRYPTION_KEY</c> (base64 of 32 bytes), or
/// one generated once into the data folder. Every process of a cluster must use the same key.
/// </summary>
public static class CredentialKey
{
    public const string Variable = "GATEWAY_ENCRYPTION_KEY";

    public static byte[] Load(IConfiguration configuration, GatewaySettings settings, ILogger log)
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

        var path = Path.Combine(Path.GetFullPath(settings.DataDirectory), "credentials.key");
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var generated = RandomNumberGenerator.GetBytes(32);
        File.WriteAllText(path, Convert.ToBase64String(generated));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (!settings.EmbeddedDatabase)
        {
            log.LogWarning("Generated a credential encryption key in {Path}; set {Variable} to the same value on every gateway process of this cluster",
                path, Variable);
        }
        return generated;
    }
}
