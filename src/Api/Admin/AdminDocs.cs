using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Api.Admin;

/// <summary>An Anthropic-shaped error body, as the OpenAPI document describes it (<see cref="Errors.AnthropicErrors"/> writes it).</summary>
public sealed record ErrorResponse(string Type, ErrorDetail Error, string? RequestId);

/// <summary>The <c>error</c> object of <see cref="ErrorResponse"/>: its Anthropic type and a message naming the problem.</summary>
public sealed record ErrorDetail(string Type, string Message);

/// <summary>
/// On a request field read by hand as JSON (to tell a field left out from one set to null), the shape the OpenAPI
/// document gives it: an object of <see cref="Shape"/>, or null.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class DocumentedAsAttribute(Type shape) : Attribute
{
    public Type Shape { get; } = shape;
}

/// <summary>OpenAPI metadata shared by the admin endpoints.</summary>
public static class AdminDocs
{
    public const string Json = "application/json";

    /// <summary>Declares the Anthropic-shaped error responses an endpoint (or a group) may answer.</summary>
    public static TBuilder ProducesErrors<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorResponse), [Json]));
        }
        return builder;
    }

    /// <summary>
    /// Declares the JSON body an endpoint reads by hand with <see cref="AdminJson.ReadAsync{T}"/>: after the admin token
    /// is checked, bounded in size, with errors naming the field — which binding the body as a parameter would not keep.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<TRequest>(this RouteHandlerBuilder builder) where TRequest : notnull =>
        builder.Accepts<TRequest>(Json).ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge);
}
