using System.Collections.Immutable;
using Gateway.Grains.Identity;
using Gateway.Grains.Users;

namespace Gateway.Tests.Grains.Identity;

[Trait("Category", "Unit")]
public sealed class PlacementTests
{
    private static readonly ImmutableDictionary<string, string> None = ImmutableDictionary<string, string>.Empty;

    private static IdentityProviderDefinition Provider(string? defaultWorkspace) => new("https://idp.example", "gateway", "email", "groups", None,
        [new GroupRule("sales", "ws-sales", "cheap", None.Add("team", "sales")), new GroupRule("eng", "ws-eng", null, None)], defaultWorkspace);

    [Fact]
    public void The_first_rule_naming_one_of_the_users_groups_places_them_else_the_default_workspace_else_nobody()
    {
        Assert.Equal(("ws-eng", null), Where(Provider(null).Place(new HashSet<string> { "all", "eng" })));
        var both = Provider(null).Place(new HashSet<string> { "eng", "sales" })!;
        Assert.Equal(("ws-sales", "cheap", "sales"), (both.Workspace, both.Config, both.Metadata["team"]));
        Assert.Equal(("ws-default", null), Where(Provider("ws-default").Place(new HashSet<string> { "visitors" })));
        Assert.Null(Provider(null).Place(new HashSet<string>()));
        // Group names are compared exactly.
        Assert.Null(Provider(null).Place(new HashSet<string> { "ENG", "eng " }));
    }

    [Fact]
    public void User_ids_are_stable_per_provider_and_claim_and_safe_in_a_url()
    {
        var id = UserIds.Of("corp", "alice@corp.example");

        Assert.Equal(id, UserIds.Of("corp", "alice@corp.example"));
        Assert.NotEqual(id, UserIds.Of("other", "alice@corp.example"));
        Assert.NotEqual(id, UserIds.Of("corp", "alice@corp.example "));
        Assert.Matches("^usr_[0-9a-f]{24}$", id);
        Assert.True(UserIds.IsValid(id));
        Assert.False(UserIds.IsValid("usr_" + new string('g', 24)));
        Assert.False(UserIds.IsValid("key_" + id[4..]));
    }

    private static (string, string?) Where(Placement? placement) => (placement!.Workspace, placement.Config);
}
