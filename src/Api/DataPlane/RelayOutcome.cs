namespace Gateway.Api.DataPlane;

/// <summary>How a relayed stream ended.</summary>
public enum RelayOutcome
{
    /// <summary>The provider's stream ended (normally with <c>message_stop</c>).</summary>
    Completed,

    /// <summary>The client went away; the upstream call was cancelled.</summary>
    ClientDisconnected,

    /// <summary>The provider's connection failed mid-stream; the client got an <c>error</c> event.</summary>
    ProviderFailed,

    /// <summary>The provider sent nothing for longer than the request timeout; the client got an <c>error</c> event.</summary>
    ProviderTimedOut,

    /// <summary>The usage could not be recorded, so the end of the response was withheld.</summary>
    NotRecorded,
}
