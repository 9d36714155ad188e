using Gateway.Projections.Outcomes;
using Gateway.Projections.Usage;

namespace Gateway.Tests.Projections.Outcomes;

/// <summary>What a page of usage events adds to the hourly outcome counts the overview's refusals and errors chart reads.</summary>
[Trait("Category", "Unit")]
public sealed class OutcomeRollupTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 31, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Requests_are_counted_per_utc_hour_workspace_status_and_outcome_in_key_order()
    {
        UsageRecorded[] usages =
        [
            Usage(Noon.AddMinutes(59), "ws-b", 200, UsageOutcomes.Completed),
            Usage(Noon.AddMinutes(1), "ws-b", 200, UsageOutcomes.Completed),
            Usage(Noon.AddMinutes(2), "ws-a", 402, UsageOutcomes.Refused),
            Usage(Noon.AddMinutes(3), "ws-a", 529, UsageOutcomes.ProviderError),
            // Another hour, given in another offset: counted in its UTC hour.
            Usage(new DateTimeOffset(2026, 3, 31, 15, 30, 0, TimeSpan.FromHours(2)), "ws-a", 402, UsageOutcomes.Refused),
            // Refused before a key told the workspace.
            Usage(Noon, null, 401, UsageOutcomes.Refused),
        ];

        var rows = OutcomeRollup.Sum(usages);

        Assert.Equal(
        [
            new OutcomeRollupRow(Noon, "", 401, UsageOutcomes.Refused, 1),
            new OutcomeRollupRow(Noon, "ws-a", 402, UsageOutcomes.Refused, 1),
            new OutcomeRollupRow(Noon, "ws-a", 529, UsageOutcomes.ProviderError, 1),
            new OutcomeRollupRow(Noon, "ws-b", 200, UsageOutcomes.Completed, 2),
            new OutcomeRollupRow(Noon.AddHours(1), "ws-a", 402, UsageOutcomes.Refused, 1),
        ], rows);
    }

    [Fact]
    public void No_events_make_no_rows()
    {
        Assert.Empty(OutcomeRollup.Sum([]));
    }

    private static UsageRecorded Usage(DateTimeOffset at, string? workspace, int status, string outcome) => new()
    {
        RequestId = Guid.NewGuid().ToString("N"),
        StartedAt = at,
        Endpoint = "/v1/messages",
        Workspace = workspace,
        Status = status,
        Outcome = outcome,
    };
}
