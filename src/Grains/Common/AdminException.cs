namespace Gateway.Grains.Common;

/// <summary>An admin operation a grain refused: what kind of refusal, and a message naming the problem.</summary>
[GenerateSerializer]
public sealed class AdminException : Exception
{
    public AdminException(AdminProblem problem, string message) : base(message)
    {
        Problem = problem;
    }

    [Id(0)] public AdminProblem Problem { get; }

    public static AdminException NotFound(string what) => new(AdminProblem.NotFound, $"{what} does not exist.");
    public static AdminException Conflict(string what) => new(AdminProblem.Conflict, $"{what} already exists.");
    public static AdminException Invalid(string message) => new(AdminProblem.Invalid, message);
}

/// <summary>Why an admin operation was refused.</summary>
public enum AdminProblem
{
    /// <summary>The request names a bad value (the message says which).</summary>
    Invalid,

    /// <summary>The resource does not exist.</summary>
    NotFound,

    /// <summary>The resource exists already, or the change conflicts with its state.</summary>
    Conflict,

    /// <summary>The admin may see the resource but not make this change.</summary>
    Forbidden,
}
