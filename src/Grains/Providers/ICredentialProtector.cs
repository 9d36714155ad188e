namespace Gateway.Grains.Providers;

/// <summary>Encrypts provider credentials before they are stored and decrypts them for use.</summary>
public interface ICredentialProtector
{
    /// <summary>Encrypts <paramref name="plaintext"/> for the resource <paramref name="boundTo"/> names (a provider's slug).</summary>
    string Protect(string plaintext, string boundTo);

    /// <summary>Decrypts a value protected for <paramref name="boundTo"/>; fails for a value protected for another resource.</summary>
    string Unprotect(string protectedValue, string boundTo);

    /// <summary>Whether the value was protected by an older format that did not bind it to its resource.</summary>
    bool IsLegacy(string protectedValue);
}
