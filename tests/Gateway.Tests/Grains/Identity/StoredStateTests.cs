using System.Collections.Immutable;
using System.Text.Json;
using Gateway.Grains.Budgets;
using Gateway.Grains.Identity;
using Gateway.Grains.Users;

namespace Gateway.Tests.Grains.Identity;

/// <summary>What the identity provider and user grains persist reads back whole (their storage writes System.Text.Json).</summary>
[Trait("Category", "Unit")]
public sealed class StoredStateTests
{
    [Fact]
    public void An_identity_providers_state_reads_back_with_its_rules()
    {
        var stored = new IdentityProviderState
        {
            Definition = new IdentityProviderDefinition("https://idp.example", "gateway", "upn", "groups",
                ImmutableDictionary<string, string>.Empty.Add("department", "dept"),
                [new GroupRule("eng", "ws-eng", "cheap", ImmutableDictionary<string, string>.Empty.Add("team", "eng"))], "ws-default"),
            CreatedAt = DateTimeOffset.UnixEpoch,
        };

        var read = JsonSerializer.Deserialize<IdentityProviderState>(JsonSerializer.Serialize(stored))!.Definition!;

        Assert.Equal(("https://idp.example", "upn", "ws-default", "dept"), (read.Issuer, read.UserClaim, read.DefaultWorkspace, read.MetadataClaims["department"]));
        var rule = Assert.Single(read.Rules);
        Assert.Equal(("eng", "ws-eng", "cheap", "eng"), (rule.Group, rule.Workspace, rule.Config, rule.Metadata["team"]));
    }

    [Fact]
    public void A_users_state_reads_back_with_its_placement_budget_and_block()
    {
        var metadata = ImmutableDictionary<string, string>.Empty.Add("user", "ann@corp.example");
        var stored = new UserState
        {
            Provider = "corp",
            Subject = "ann@corp.example",
            Workspace = "ws-eng",
            Metadata = new Dictionary<string, string>(metadata),
            PlacedBy = new SignOn("corp", "ann@corp.example", new Placement("ws-eng", null, ImmutableDictionary<string, string>.Empty), metadata),
            Budget = new Budget(12.5m, BudgetPeriod.Monthly, [0.5m]),
            BlockedAt = DateTimeOffset.UnixEpoch,
        };

        var read = JsonSerializer.Deserialize<UserState>(JsonSerializer.Serialize(stored))!;

        Assert.Equal(("corp", "ws-eng", 12.5m, DateTimeOffset.UnixEpoch), (read.Provider, read.Workspace, read.Budget!.LimitUsd, read.BlockedAt!.Value));
        Assert.Equal(("ws-eng", "ann@corp.example"), (read.PlacedBy!.Placement.Workspace, read.PlacedBy.Metadata["user"]));
    }
}
