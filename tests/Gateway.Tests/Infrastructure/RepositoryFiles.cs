namespace Gateway.Tests.Infrastructure;

/// <summary>The repository's own files (sources, shipped configuration), found from the test binaries.</summary>
public static class RepositoryFiles
{
    /// <summary>The folder holding <c>Gateway.sln</c>.</summary>
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Gateway.sln not found above the test binaries.");
    }
}
