using System.Text.Json;
using Gateway.Api.Admin;
using Gateway.Api.Admin.Access;
using Gateway.Grains.Admin;
using Gateway.Grains.Common;

namespace Gateway.Tests.Api.Admin.Delegation;

/// <summary>The decisions of <see cref="AdminPolicy"/>, role by role.</summary>
[Trait("Category", "Unit")]
public sealed class AdminPolicyTests
{
    private static readonly AdminPrincipal OrgAdmin = new("t0", "org", AdminRoles.OrgAdmin, []);
    private static readonly AdminPrincipal WorkspaceAdmin = new("t1", "a admin", AdminRoles.WorkspaceAdmin, ["a", "a2"]);
    private static readonly AdminPrincipal Analyst = new("t2", "a analyst", AdminRoles.Analyst, ["a"]);

    public static TheoryData<string, AdminAccess, string?, bool, AdminDecision> Decisions => new()
    {
        { "workspace_admin", AdminAccess.WorkspaceManage, "a", true, AdminDecision.Allowed },
        { "workspace_admin", AdminAccess.WorkspaceManage, "a2", true, AdminDecision.Allowed },
        { "workspace_admin", AdminAccess.WorkspaceManage, "b", true, AdminDecision.NotFound },
        { "workspace_admin", AdminAccess.WorkspaceManage, "a", false, AdminDecision.NotFound },
        { "workspace_admin", AdminAccess.WorkspaceManage, null, true, AdminDecision.Forbidden },
        { "workspace_admin", AdminAccess.WorkspaceRead, null, true, AdminDecision.Allowed },
        { "workspace_admin", AdminAccess.WorkspaceRead, "b", true, AdminDecision.NotFound },
        { "workspace_admin", AdminAccess.OrgAdmin, "a", true, AdminDecision.Forbidden },
        { "workspace_admin", AdminAccess.AnyAdmin, null, true, AdminDecision.Allowed },
        { "analyst", AdminAccess.WorkspaceRead, "a", true, AdminDecision.Allowed },
        { "analyst", AdminAccess.WorkspaceRead, "a2", true, AdminDecision.NotFound },
        { "analyst", AdminAccess.WorkspaceManage, "a", true, AdminDecision.Forbidden },
        { "analyst", AdminAccess.WorkspaceManage, "b", true, AdminDecision.Forbidden },
        { "analyst", AdminAccess.OrgAdmin, null, true, AdminDecision.Forbidden },
        { "org_admin", AdminAccess.OrgAdmin, null, true, AdminDecision.Allowed },
        { "org_admin", AdminAccess.WorkspaceManage, "b", true, AdminDecision.Allowed },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Each_role_is_decided_by_the_resources_workspace(string role, AdminAccess access, string? workspace, bool exists, AdminDecision expected)
    {
        var admin = role switch { AdminRoles.OrgAdmin => OrgAdmin, AdminRoles.Analyst => Analyst, _ => WorkspaceAdmin };
        Assert.Equal(expected, AdminPolicy.Decide(admin, access, new ResourceOwner(exists, workspace)));
    }

    [Fact]
    public void A_token_of_an_unknown_role_may_do_nothing_but_what_every_admin_may()
    {
        var stranger = new AdminPrincipal("t3", "?", "superuser", ["a"]);
        Assert.False(AdminPolicy.MayUse(stranger, AdminAccess.WorkspaceRead));
        Assert.False(AdminPolicy.MayUse(stranger, AdminAccess.WorkspaceManage));
    }

    [Fact]
    public void A_workspace_admin_changes_the_listed_workspace_fields_and_no_other()
    {
        var listed = new WorkspacesApi.UpdateWorkspaceRequest
        {
            Name = "n",
            Metadata = new() { ["team"] = "x" },
            Budget = JsonDocument.Parse("""{"limit_usd":1,"period":"daily"}""").RootElement,
            RateLimits = JsonDocument.Parse("""{"rpm":1}""").RootElement,
            Logging = JsonDocument.Parse("""{"mode":"full"}""").RootElement,
            DefaultConfig = JsonDocument.Parse("null").RootElement,
            UserBudget = JsonDocument.Parse("""{"limit_usd":1,"period":"daily"}""").RootElement,
            UserRateLimits = JsonDocument.Parse("""{"rpm":1}""").RootElement,
        };
        Assert.Equal(AdminPolicy.WorkspaceAdminWorkspaceFields.Order(), AdminPolicy.FieldsSet(listed).Order());
        AdminPolicy.RequireChangeableWorkspaceFields(WorkspaceAdmin, listed);

        var unlisted = new WorkspacesApi.UpdateWorkspaceRequest { Name = "n", RequiredMetadata = ["team"] };
        var refused = Assert.Throws<AdminException>(() => AdminPolicy.RequireChangeableWorkspaceFields(WorkspaceAdmin, unlisted));
        Assert.Equal(AdminProblem.Forbidden, refused.Problem);
        Assert.StartsWith("required_metadata: ", refused.Message);
        AdminPolicy.RequireChangeableWorkspaceFields(OrgAdmin, unlisted);
    }
}
