namespace Gateway.Grains;

/// <summary>The grain storage provider every persistent grain uses (ADO.NET on PostgreSQL in the host).</summary>
public static class GatewayStorage
{
    public const string Name = "gateway";
}
