using System.Globalization;
using System.Text;

namespace Gateway.Api.Reports;

/// <summary>
/// Pages of a report's ordered rows: <c>limit</c> (default 1 000, at most 10 000) and an opaque <c>cursor</c> for the
/// next page, so a report whose grouping has a value per request (a per-request metadata value) cannot grow without bound.
/// </summary>
public static class ReportPaging
{
    public const int DefaultLimit = 1_000;
    public const int MaxLimit = 10_000;

    public static bool TryRead(string? text, string? cursor, out int limit, out long offset, out string? error)
    {
        limit = DefaultLimit;
        offset = 0;
        error = null;
        if (text is not null && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            error = $"limit: must be an integer from 1 to {MaxLimit}.";
            return false;
        }
        if (!string.IsNullOrEmpty(cursor))
        {
            try
            {
                var decoded = Encoding.ASCII.GetString(Convert.FromBase64String(cursor));
                if (!decoded.StartsWith("o:", StringComparison.Ordinal) || !long.TryParse(decoded[2..], NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                {
                    error = "cursor: not a cursor this report gave.";
                    return false;
                }
            }
            catch (FormatException)
            {
                error = "cursor: not a cursor this report gave.";
                return false;
            }
        }
        return true;
    }

    /// <summary>The cursor of the page that starts at <paramref name="offset"/>; null when there is none.</summary>
    public static string? Cursor(long? offset) =>
        offset is { } start ? Convert.ToBase64String(Encoding.ASCII.GetBytes("o:" + start.ToString(CultureInfo.InvariantCulture))) : null;
}
