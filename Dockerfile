# The gateway image: built with the SDK, run on the ASP.NET runtime as an unprivileged user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Packages first, from the project files alone: a source change does not restore them again.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Api/Gateway.Api.csproj src/Api/
COPY src/Grains/Gateway.Grains.csproj src/Grains/
COPY src/Projections/Gateway.Projections.csproj src/Projections/
COPY src/Silo/Gateway.Silo.csproj src/Silo/
RUN dotnet restore src/Silo/Gateway.Silo.csproj
COPY src/ src/
RUN dotnet publish src/Silo/Gateway.Silo.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# Listens on every interface of the container; writes nothing but under GATEWAY_DATA_DIR (it needs a database:
# ConnectionStrings__Gateway, as in docker-compose.yml; the embedded PostgreSQL is for development).
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    GATEWAY_DATA_DIR=/tmp/gateway
EXPOSE 8080 11111
# The runtime image's unprivileged user (app, UID 1654), by number so an orchestrator can check it is not root.
USER $APP_UID
# /healthz (the process lives) through the gateway's own binary: the image has no curl or wget. Readiness
# (/readyz: cluster, database, draining) is the load balancer's check, so a database outage does not mark every
# container unhealthy.
HEALTHCHECK --interval=10s --timeout=6s --start-period=90s --retries=3 CMD ["dotnet", "Gateway.Silo.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Gateway.Silo.dll"]
