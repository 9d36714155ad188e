using System.Collections.Immutable;

namespace Gateway.Projections.Logs;

/// <summary>What a page of the request log is filtered by; every condition set must hold.</summary>
public sealed record LogFilter
{
    /// <summary>Web-search syntax (words, "a quoted phrase", OR, -excluded) over prompt and answer text.</summary>
    public string? Search { get; init; }
    public string? Workspace { get; init; }
    public string? KeyId { get; init; }

    /// <summary>A signed-on user's id (usr_…).</summary>
    public string? UserId { get; init; }
    public string? Model { get; init; }
    public string? Provider { get; init; }
    public int? Status { get; init; }

    /// <summary>Requests started at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Requests started before this instant.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Metadata entries a request must carry (all of them).</summary>
    public ImmutableDictionary<string, string> Metadata { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The workspaces the reader may see; null for all of them.</summary>
    public IReadOnlyList<string>? VisibleWorkspaces { get; init; }

    /// <summary>Continue after this row (a page's <see cref="LogPage.NextCursor"/>).</summary>
    public LogCursor? After { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>One page of the request log, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record LogPage(IReadOnlyList<RequestLogRow> Rows, string? NextCursor);
