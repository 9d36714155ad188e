using System.Collections.Immutable;
using Gateway.Grains;
using Gateway.Grains.Common;
using Gateway.Grains.Keys;
using Gateway.Grains.Workspaces;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Gateway.Tests.Grains;

/// <summary>The gateway's PostgreSQL schema under Orleans' real ADO.NET clustering and grain-storage providers.</summary>
public sealed class AdoNetClusterTests(AdoNetClusterFixture fixture) : IClassFixture<AdoNetClusterFixture>
{
    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    [Fact]
    public async Task Both_silos_are_active_members_in_the_membership_table()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM orleans.cluster_member WHERE deployment_id = $1 AND status = 3", connection);
        command.Parameters.AddWithValue(AdoNetClusterFixture.ClusterId);
        Assert.Equal(2L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Grain_state_is_read_back_from_postgres_after_every_activation_is_gone()
    {
        var id = "persist-" + Guid.NewGuid().ToString("N")[..8];
        await Grains.Workspace(id).CreateAsync(new WorkspaceDraft("Persisted", ImmutableDictionary<string, string>.Empty.Add("team", "a"), null));
        var key = await Grains.ApiKey(ApiKeySecret.NewKeyId()).CreateAsync(new KeyDraft(id, "k", null,
            ImmutableDictionary<string, string>.Empty, null, null));

        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var workspace = await Grains.Workspace(id).GetAsync();
        Assert.Equal("Persisted", workspace!.Name);
        Assert.Equal("a", workspace.Metadata["team"]);
        var reloaded = await Grains.ApiKey(key.Key.Id).GetAsync();
        Assert.Equal(key.Key, reloaded);
    }

    [Fact]
    public async Task Ids_that_look_like_hex_numbers_stay_distinct()
    {
        // Orleans reads a hex-looking string key as a number ("abc" == "0abc"); prefixed grain keys avoid it.
        await Grains.Workspace("abc").CreateAsync(new WorkspaceDraft("lower", ImmutableDictionary<string, string>.Empty, null));
        await Grains.Workspace("0abc").CreateAsync(new WorkspaceDraft("zero", ImmutableDictionary<string, string>.Empty, null));
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal("lower", (await Grains.Workspace("abc").GetAsync())!.Name);
        Assert.Equal("zero", (await Grains.Workspace("0abc").GetAsync())!.Name);
    }

    [Fact]
    public async Task A_write_with_a_stale_version_is_rejected_not_applied()
    {
        var storage = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services
            .GetRequiredKeyedService<IGrainStorage>(GatewayStorage.Name);
        var grainId = GrainId.Create("test", "stale-" + Guid.NewGuid().ToString("N")[..8]);

        var first = new GrainState<CounterState>(new CounterState { Value = 1 }) { ETag = null };
        await storage.WriteStateAsync("counter", grainId, first);
        var stale = new GrainState<CounterState>(new CounterState { Value = 99 }) { ETag = first.ETag, RecordExists = true };
        first.State!.Value = 2;
        await storage.WriteStateAsync("counter", grainId, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", grainId, stale));
        var duplicateInsert = new GrainState<CounterState>(new CounterState { Value = 7 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", grainId, duplicateInsert));

        var read = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync("counter", grainId, read);
        Assert.Equal(2, read.State!.Value);
        Assert.True(read.RecordExists);

        await storage.ClearStateAsync("counter", grainId, read);
        var cleared = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync("counter", grainId, cleared);
        Assert.False(cleared.RecordExists);
        Assert.Equal(0, cleared.State!.Value);
    }

    [Fact]
    public async Task Creating_a_resource_twice_is_a_conflict()
    {
        var id = "dup-" + Guid.NewGuid().ToString("N")[..8];
        var draft = new WorkspaceDraft("one", ImmutableDictionary<string, string>.Empty, null);
        await Grains.Workspace(id).CreateAsync(draft);
        var error = await Assert.ThrowsAsync<AdminException>(() => Grains.Workspace(id).CreateAsync(draft));
        Assert.Equal(AdminProblem.Conflict, error.Problem);
    }

    public sealed class CounterState
    {
        public int Value { get; set; }
    }
}
