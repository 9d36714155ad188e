namespace Gateway.Grains.Common;

/// <summary>Checks of admin input shared by the resources' grains.</summary>
public static class AdminInput
{
    /// <summary>Metadata every request of the resource will carry into its usage record must be within <see cref="Projections.Usage.InputLimits"/>.</summary>
    public static void RequireRecordable(IReadOnlyCollection<KeyValuePair<string, string>>? metadata)
    {
        if (metadata is not null && Projections.Usage.InputLimits.CheckMetadata(metadata) is { } invalid)
        {
            throw AdminException.Invalid($"metadata: {invalid}.");
        }
    }
}
