namespace Gateway.Grains.Providers;

/// <summary>Encrypts provider credentials before they are stored and decrypts them for use.</summary>
public interface ICredentialProtector
{
    string Protect(string plaintext);

    string Unprotect(string protectedValue);
}
