namespace Gateway.Grains.Common;

/// <summary>
/// An admin operation the grain refused, with the HTTP status and Anthropic error type the API answers with.
/// </summary>
[GenerateSerializer]
public sealed class AdminException : Exception
{
    public AdminException(int status, string errorType, string message) : base(message)
    {
        Status = status;
        ErrorType = errorType;
    }

    [Id(0)] public int Status { get; }
    [Id(1)] public string ErrorType { get; }

    public static AdminException NotFound(string what) => new(404, "not_found_error", $"{what} does not exist.");
    public static AdminException Conflict(string what) => new(409, "invalid_request_error", $"{what} already exists.");
    public static AdminException Invalid(string message) => new(400, "invalid_request_error", message);
}
