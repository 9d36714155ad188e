namespace Gateway.Silo.Database;

/// <summary>
/// An exclusive lock on <c>{data folder}/gateway.lock</c> for as long as a gateway runs its embedded server
/// there (.NET takes an advisory <c>flock</c> for <see cref="FileShare.None"/>; the kernel drops it when the
/// process dies, however it dies).
/// </summary>
internal static class DataFolderLock
{
    public static IDisposable Acquire(string dataRoot)
    {
        var path = Path.Combine(dataRoot, "gateway.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new InvalidOperationException(
                $"Another gateway is running on the data folder {dataRoot}. Stop it, or give this one its own GATEWAY_DATA_DIR " +
                "(several gateways share one database through ConnectionStrings__Gateway).");
        }
    }
}
