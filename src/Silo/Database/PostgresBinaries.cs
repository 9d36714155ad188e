namespace Gateway.Silo.Database;

/// <summary>Finds the PostgreSQL server programs (initdb, postgres) installed on this machine.</summary>
public sealed record PostgresBinaries(string BinDirectory)
{
    public string InitDb => Path.Combine(BinDirectory, "initdb");
    public string Postgres => Path.Combine(BinDirectory, "postgres");

    /// <summary>
    /// Looks in <c>GATEWAY_PG_BIN</c>, then Debian's versioned folders (newest first), then PATH.
    /// </summary>
    public static PostgresBinaries Locate()
    {
        var configured = Environment.GetEnvironmentVariable("GATEWAY_PG_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return Has(configured)
                ? new PostgresBinaries(configured)
                : throw new InvalidOperationException($"GATEWAY_PG_BIN={configured} holds no initdb and postgres programs.");
        }

        var candidates = new List<string>();
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            candidates.AddRange(Directory.GetDirectories(debianRoot)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));

        var found = candidates.FirstOrDefault(Has);
        return found is not null
            ? new PostgresBinaries(found)
            : throw new InvalidOperationException(
                "No PostgreSQL server programs found (initdb, postgres). Install PostgreSQL (Debian: apt-get install postgresql), " +
                "set GATEWAY_PG_BIN to their folder, or set ConnectionStrings__Gateway to use an existing database.");
    }

    private static bool Has(string dir) => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres"));
}
