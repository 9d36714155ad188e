namespace Gateway.Api.Providers;

/// <summary>How the gateway speaks to one kind of provider: the request it sends and how it reads the answer.</summary>
public interface IProviderProtocol
{
    /// <summary>The provider request for <paramref name="call"/>, addressed, shaped and authenticated.</summary>
    ValueTask<HttpRequestMessage> CreateRequestAsync(ProviderCall call, CancellationToken cancellationToken);

    /// <summary>The client-facing error for a provider's error answer.</summary>
    ProviderError MapError(string provider, HttpResponseMessage response, byte[]? body);

    /// <summary>The answer of a successful non-streaming call, as the Anthropic API would have sent it.</summary>
    byte[] TranslateBody(ProviderCall call, byte[] body) => body;

    /// <summary>
    /// A successful streaming answer as an Anthropic SSE byte stream, or null when the response already is one.
    /// </summary>
    AnthropicEventSource? OpenEventSource(string provider, HttpResponseMessage response, Stream body) => null;
}

/// <summary>A provider stream translated to Anthropic SSE bytes, whose first event can be read before anything reaches the client.</summary>
public abstract class AnthropicEventSource : Stream
{
    /// <summary>Reads ahead to the first event; an error there (the provider refused before answering) is returned so the route can move on.</summary>
    public abstract ValueTask<ProviderError?> PrimeAsync(CancellationToken cancellationToken);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
