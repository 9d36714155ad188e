using System.Reflection;
using NetArchTest.Rules;

namespace Gateway.Tests;

/// <summary>
/// The rooms' walls, checked on the compiled assemblies: Projections (the event store and its read side) knows neither
/// grains nor HTTP; Grains know no HTTP; the HTTP front touches no database itself; provider adapters and routing
/// policies know nothing of the data plane that calls them; the one pipeline knows nothing of the cloud fronts in front of it.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ArchitectureTests
{
    private static readonly Assembly Projections = typeof(Gateway.Projections.ReadSchema).Assembly;
    private static readonly Assembly Grains = typeof(Gateway.Grains.Budgets.BudgetGrain).Assembly;
    private static readonly Assembly Api = typeof(Gateway.Api.DataPlane.MessagesProxy).Assembly;

    [Fact]
    public void Projections_depend_on_neither_grains_nor_orleans_nor_http() =>
        AssertHolds(Types.InAssembly(Projections).ShouldNot()
            .HaveDependencyOnAny("Gateway.Grains", "Gateway.Api", "Gateway.Silo", "Orleans", "Microsoft.AspNetCore").GetResult());

    [Fact]
    public void Grains_speak_no_http() =>
        AssertHolds(Types.InAssembly(Grains).ShouldNot()
            .HaveDependencyOnAny("Gateway.Api", "Gateway.Silo", "Microsoft.AspNetCore").GetResult());

    [Fact]
    public void Provider_adapters_never_reference_the_data_plane() =>
        AssertHolds(Types.InAssembly(Api).That().ResideInNamespace("Gateway.Api.Providers").ShouldNot()
            .HaveDependencyOnAny("Gateway.Api.DataPlane", "Gateway.Api.Admin").GetResult());

    [Fact]
    public void The_http_front_reads_and_writes_the_database_only_through_projections_and_grains() =>
        AssertHolds(Types.InAssembly(Api).ShouldNot().HaveDependencyOnAny("Npgsql", "Marten", "JasperFx", "Weasel").GetResult());

    [Fact]
    public void Routing_policies_never_reference_the_data_plane() =>
        AssertHolds(Types.InAssembly(Api).That().ResideInNamespace("Gateway.Api.Routing").ShouldNot()
            .HaveDependencyOn("Gateway.Api.DataPlane").GetResult());

    [Fact]
    public void The_data_plane_knows_no_cloud_front() =>
        AssertHolds(Types.InAssembly(Api).That().ResideInNamespace("Gateway.Api.DataPlane").Or().ResideInNamespace("Gateway.Api.Providers")
            .Or().ResideInNamespace("Gateway.Api.Routing").ShouldNot().HaveDependencyOn("Gateway.Api.Fronts").GetResult());

    [Fact]
    public void The_http_front_does_not_reach_into_the_host() =>
        AssertHolds(Types.InAssembly(Api).ShouldNot().HaveDependencyOn("Gateway.Silo").GetResult());

    private static void AssertHolds(TestResult result) =>
        Assert.True(result.IsSuccessful, "Breaks the rule: " + string.Join(", ", result.FailingTypeNames ?? []));
}
