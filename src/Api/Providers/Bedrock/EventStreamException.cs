namespace Gateway.Api.Providers.Bedrock;

/// <summary>
/// An <c>application/vnd.amazon.eventstream</c> frame could not be trusted: a checksum did not match, a length was
/// out of bounds, the stream ended inside a frame, or a header was malformed.
/// </summary>
/// <remarks>
/// An <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed): a corrupt provider stream is handled
/// like a broken connection by the relay code, whose filters already catch <see cref="IOException"/>.
/// </remarks>
public sealed class EventStreamException : IOException
{
    /// <summary>Creates the exception with what was wrong with the frame.</summary>
    public EventStreamException(string message)
        : base(message)
    {
    }
}
