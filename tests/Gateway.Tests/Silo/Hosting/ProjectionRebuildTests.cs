using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Gateway.Projections;
using Gateway.Projections.Ledger;
using Gateway.Projections.Models;
using Gateway.Projections.Usage;
using Gateway.Silo.Hosting;
using Gateway.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Tests.Silo.Hosting;

public sealed class ProjectionRebuildTests
{
    [Fact]
    public async Task A_rebuild_re_prices_history_with_the_current_price_table_and_can_run_again()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("rebuild");
        await using (var store = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connectionString)))
        {
            await GatewayHost.MigrateAsync(store, connectionString, NullLogger.Instance, CancellationToken.None);
            var now = DateTimeOffset.UtcNow;
            var sonnet = ModelCatalog.Default.Price("claude-sonnet-4-5", null)!;
            var current = sonnet.Cost(TokenUsage.FromAnthropic(1_000, 0, null, null, 0, 100));
            await using var database = new LedgerDatabase(connectionString);
            var writer = new EventStreamWriter<UsageRecorded>(store, "usage_recorded", "usage");
            await writer.WriteAsync(database.Source, new StreamCursor(),
            [
                Usage("req_current", now, "claude-sonnet-4-5", ModelCatalog.Default.PriceVersion, current),
                // Priced under an older table at another figure: a rebuild books today's price.
                Usage("req_old_price", now, "claude-sonnet-4-5", "2025-01-01", 1.00m),
                Usage("req_unpriced", now, "claude-3-haiku-20240307", null, null),
            ]);

            Assert.Equal(0, await ProjectionRebuild.RunAsync(connectionString, [], NullLogger.Instance, CancellationToken.None));
            Assert.Equal((3, 2 * current), await SpendAsync(connectionString));
            Assert.Equal(current, await LoggedCostAsync(connectionString, "req_old_price"));

            // Rebuilding again replaces what the first rebuild wrote rather than adding to it.
            Assert.Equal(0, await ProjectionRebuild.RunAsync(connectionString, ["spend"], NullLogger.Instance, CancellationToken.None));
            Assert.Equal((3, 2 * current), await SpendAsync(connectionString));

            // The replay's entries are merged into the GIN indexes, not left pending for every query to scan.
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            Assert.Equal(0L, await ReadSchema.FlushGinPendingListsAsync(dataSource, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_rebuild_re_prices_with_the_admins_prices_in_effect_including_a_providers_own()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("rebuild");
        await using var store = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connectionString));
        await GatewayHost.MigrateAsync(store, connectionString, NullLogger.Instance, CancellationToken.None);
        // Two admin changes, as the catalog grain journals them: Sonnet 4.5 cheaper everywhere, dearer through one provider.
        var cheaper = ModelCatalog.Default.Patch("claude-sonnet-4-5", new JsonObject { ["prices"] = new JsonObject { ["input"] = 2, ["output"] = 10 } });
        var dearer = cheaper.Patch("claude-sonnet-4-5", new JsonObject
        {
            ["provider_prices"] = new JsonObject { ["bedrock-eu"] = new JsonObject { ["input"] = 3.3m, ["output"] = 16.5m } },
        });
        await ModelCatalogStream.AppendAsync(store, ModelCatalogStream.Revised(cheaper, "claude-sonnet-4-5-20250929", "updated", DateTimeOffset.UtcNow), CancellationToken.None);
        await ModelCatalogStream.AppendAsync(store, ModelCatalogStream.Revised(dearer, "claude-sonnet-4-5-20250929", "updated", DateTimeOffset.UtcNow), CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        await using var database = new LedgerDatabase(connectionString);
        await new EventStreamWriter<UsageRecorded>(store, "usage_recorded", "usage").WriteAsync(database.Source, new StreamCursor(),
        [
            Usage("req_shipped_price", now, "claude-sonnet-4-5", ModelCatalog.Default.PriceVersion, 0.0045m),
            Usage("req_through_bedrock", now, "claude-sonnet-4-5", ModelCatalog.Default.PriceVersion, 0.0045m) with { Provider = "bedrock-eu" },
            // Already priced under the version in effect: kept as recorded.
            Usage("req_current_price", now, "claude-sonnet-4-5", dearer.PriceVersion, 0.0123m),
        ]);

        Assert.Equal(0, await ProjectionRebuild.RunAsync(connectionString, ["request_log"], NullLogger.Instance, CancellationToken.None));

        Assert.Equal((1_000 * 2m + 100 * 10m) / 1_000_000m, await LoggedCostAsync(connectionString, "req_shipped_price"));
        Assert.Equal((1_000 * 3.3m + 100 * 16.5m) / 1_000_000m, await LoggedCostAsync(connectionString, "req_through_bedrock"));
        Assert.Equal(0.0123m, await LoggedCostAsync(connectionString, "req_current_price"));
        Assert.Equal(dearer.PriceVersion, (await ModelCatalogStream.LoadAsync(store, CancellationToken.None)).PriceVersion);
    }

    [Fact]
    public async Task The_catalogs_journal_refuses_a_revision_that_is_not_the_next_one()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("journal");
        await using var store = DocumentStore.For(o => GatewayHost.ConfigureMarten(o, connectionString));
        await GatewayHost.MigrateAsync(store, connectionString, NullLogger.Instance, CancellationToken.None);
        var first = ModelCatalog.Default.Patch("claude-opus-5-5", new JsonObject { ["display_name"] = "Opus" });
        var second = first.Patch("claude-opus-5-5", new JsonObject { ["display_name"] = "Opus, again" });

        await ModelCatalogStream.AppendAsync(store, ModelCatalogStream.Revised(first, "claude-opus-5-5", "updated", DateTimeOffset.UtcNow), CancellationToken.None);
        await Assert.ThrowsAnyAsync<Exception>(() =>
            ModelCatalogStream.AppendAsync(store, ModelCatalogStream.Revised(first, "claude-opus-5-5", "updated", DateTimeOffset.UtcNow), CancellationToken.None));
        await ModelCatalogStream.AppendAsync(store, ModelCatalogStream.Revised(second, "claude-opus-5-5", "updated", DateTimeOffset.UtcNow), CancellationToken.None);
        await Assert.ThrowsAnyAsync<Exception>(() =>
            ModelCatalogStream.AppendAsync(store, ModelCatalogStream.Revised(second, "claude-opus-5-5", "updated", DateTimeOffset.UtcNow), CancellationToken.None));

        var loaded = await ModelCatalogStream.LoadAsync(store, CancellationToken.None);
        Assert.Equal(2, loaded.Revision);
        Assert.Equal("Opus, again", loaded.Get("claude-opus-5-5")!.DisplayName);
    }

    [Fact]
    public async Task A_rebuild_refuses_while_a_gateway_of_the_cluster_is_running_or_for_an_unknown_projection()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("rebuild");
        await TestPostgres.MigrateAsync(connectionString);
        Assert.Equal(2, await ProjectionRebuild.RunAsync(connectionString, ["spnd"], NullLogger.Instance, CancellationToken.None));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var alive = new NpgsqlCommand("""
            INSERT INTO orleans.cluster_version (deployment_id) VALUES ('test');
            INSERT INTO orleans.cluster_member (deployment_id, address, port, generation, silo_name, host_name, status, start_time, i_am_alive_time)
            VALUES ('test', '127.0.0.1', 11111, 1, 'silo', 'host', 3, now(), now());
            """, connection);
        await alive.ExecuteNonQueryAsync();

        Assert.Equal(3, await ProjectionRebuild.RunAsync(connectionString, [], NullLogger.Instance, CancellationToken.None));
    }

    private static UsageRecorded Usage(string id, DateTimeOffset at, string model, string? priceVersion, decimal? cost) => new()
    {
        RequestId = id,
        StartedAt = at,
        StartedAtMs = at.ToUnixTimeMilliseconds(),
        Endpoint = "messages",
        KeyId = "key_rebuild",
        Workspace = "rebuild",
        Provider = "anthropic",
        Model = model,
        Status = 200,
        Outcome = UsageOutcomes.Completed,
        InputTokens = 1_000,
        OutputTokens = 100,
        CostUsd = cost,
        PriceVersion = priceVersion,
        PriceMissing = cost is null,
        Metadata = ImmutableDictionary<string, string>.Empty,
    };

    private static async Task<(long Requests, decimal Cost)> SpendAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT sum(requests)::bigint, sum(cost_usd) FROM gateway.spend_daily", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetDecimal(1));
    }

    private static async Task<decimal> LoggedCostAsync(string connectionString, string requestId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT cost_usd FROM gateway.request_log WHERE request_id = $1", connection);
        command.Parameters.AddWithValue(requestId);
        return (decimal)(await command.ExecuteScalarAsync())!;
    }
}
