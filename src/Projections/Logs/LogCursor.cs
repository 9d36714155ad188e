using System.Globalization;
using System.Text;

namespace Gateway.Projections.Logs;

/// <summary>Where a page of the request log ends: the last row's (created_at, request_id), opaque to clients.</summary>
public sealed record LogCursor(DateTime At, string RequestId)
{
    public static string Encode(RequestLogRow last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.CreatedAt.UtcTicks}|{last.RequestId}"));

    /// <summary>Reads a cursor this API returned; false for anything else.</summary>
    public static bool TryDecode(string text, out LogCursor? cursor)
    {
        cursor = null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(text));
            var bar = decoded.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0 || !long.TryParse(decoded[..bar], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            {
                return false;
            }
            cursor = new LogCursor(new DateTime(ticks, DateTimeKind.Utc), decoded[(bar + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
