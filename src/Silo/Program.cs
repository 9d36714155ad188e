return await Gateway.Silo.Hosting.GatewayHost.RunAsync(args);
