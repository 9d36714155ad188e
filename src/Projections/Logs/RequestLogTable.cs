using Gateway.Projections.Tables;

namespace Gateway.Projections.Logs;

/// <summary>The <c>request_log</c> table: its columns are <see cref="RequestLogRow"/>'s; its indexes serve the logs API's filters.</summary>
public static class RequestLogTable
{
    public static RowTable<RequestLogRow> Table { get; } = new(ReadSchema.RequestLog,
    [
        $"CREATE INDEX IF NOT EXISTS request_log_newest ON {ReadSchema.RequestLog} (created_at DESC, request_id DESC)",
        $"CREATE INDEX IF NOT EXISTS request_log_by_workspace ON {ReadSchema.RequestLog} (workspace, created_at DESC, request_id DESC)",
        $"CREATE INDEX IF NOT EXISTS request_log_by_key ON {ReadSchema.RequestLog} (key_id, created_at DESC, request_id DESC)",
        $"CREATE INDEX IF NOT EXISTS request_log_by_user ON {ReadSchema.RequestLog} (user_id, created_at DESC, request_id DESC) WHERE user_id IS NOT NULL",
        $"CREATE INDEX IF NOT EXISTS request_log_by_metadata ON {ReadSchema.RequestLog} USING gin (metadata jsonb_path_ops) WITH ({ReadSchema.GinOptions})",
    ]);
}
