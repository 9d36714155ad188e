using Gateway.Api.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Api.Admin;

/// <summary>
/// The admin API under <c>/admin/v1</c>, every endpoint behind <see cref="AdminAuth"/>; its OpenAPI document and
/// reference (<see cref="AdminReference"/>) beside it.
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/v1")
            .AddEndpointFilter<AdminAuth>()
            .ProducesErrors(StatusCodes.Status401Unauthorized)
            .MapWorkspacesApi()
            .MapProvidersApi()
            .MapConfigsApi()
            .MapKeysApi()
            .MapKeyRotationApi()
            .MapIdentityProvidersApi()
            .MapUsersApi()
            .MapModelsApi()
            .MapAdminTokensApi()
            .MapAuditApi()
            .MapLogsApi()
            .MapSpendApi()
            .MapChargebackApi()
            .MapOutcomesApi()
            .MapGatewayHealthApi();
        app.MapAdminReference();
        return app;
    }
}
