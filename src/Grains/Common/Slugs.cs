using System.Text.RegularExpressions;

namespace Gateway.Grains.Common;

/// <summary>The shape of user-chosen identifiers (workspace ids, provider and config slugs).</summary>
public static partial class Slugs
{
    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    public static void Require(string? value, string field)
    {
        if (!IsValid(value))
        {
            throw AdminException.Invalid($"{field}: must be 1-64 characters of a-z, 0-9, '-' or '_', starting with a letter or digit.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex Pattern();
}
