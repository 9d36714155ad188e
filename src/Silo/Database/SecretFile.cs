namespace Gateway.Silo.Database;

/// <summary>A generated secret kept in a file only its owner can read, created once even by racing processes.</summary>
public static class SecretFile
{
    public static string ReadOrCreate(string path, Func<string> generate)
    {
        if (File.Exists(path))
        {
            return ReadWritten(path);
        }
        var value = generate();
        try
        {
            // Created with mode 0600 in one step: the secret is never readable by others, not even briefly.
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            using var writer = new StreamWriter(stream);
            writer.Write(value);
            return value;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use its value.
            return ReadWritten(path);
        }
    }

    // A file just created by another process may not hold its value yet.
    private static string ReadWritten(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            var value = File.ReadAllText(path).Trim();
            if (value.Length > 0 || attempt == 50)
            {
                return value.Length > 0 ? value : throw new InvalidOperationException($"{path} is empty; delete it to generate a new secret.");
            }
            Thread.Sleep(20);
        }
    }
}
