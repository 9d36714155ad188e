using System.Runtime.CompilerServices;

namespace Gateway.Api.Providers.Bedrock;

/// <summary>Room for the at most five headers <see cref="AwsSigV4.Sign"/> signs, on the stack.</summary>
[InlineArray(5)]
internal struct SignedHeaderSlots
{
    private KeyValuePair<string, string> _element;
}
