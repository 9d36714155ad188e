using Gateway.Silo.Hosting;

// The health check runs before anything else starts (no database, no silo): it only asks the running process.
if (args is [HealthCheck.Command, ..])
{
    return await HealthCheck.RunAsync(args, Console.Error);
}
return await GatewayHost.RunAsync(args);
