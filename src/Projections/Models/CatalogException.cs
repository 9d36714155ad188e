namespace Gateway.Projections.Models;

/// <summary>A change the catalog cannot take; the message names the field or model and says why.</summary>
public sealed class CatalogException(string message, CatalogProblem problem = CatalogProblem.Invalid) : Exception(message)
{
    public CatalogProblem Problem { get; } = problem;
}

/// <summary>Why a catalog change was refused.</summary>
public enum CatalogProblem
{
    /// <summary>A field is missing, malformed, out of range, or the change is not allowed.</summary>
    Invalid,

    /// <summary>No model has that name.</summary>
    NotFound,

    /// <summary>Another model already has that name.</summary>
    Conflict,
}
