using System.Text.Json;

namespace Gateway.Projections.Models;

/// <summary>
/// An admin changed the model catalog: the whole admin layer after the change (so the newest event alone restores the
/// catalog), which model and what was done, and the price version it brought. One stream, <see cref="ModelCatalogStream.Id"/>,
/// with the catalog grain as its single writer; event n of the stream is revision n.
/// </summary>
/// <param name="Overrides">The admins' layer as <see cref="CatalogOverrides.ToJson"/> writes it.</param>
/// <param name="Action"><c>created</c>, <c>updated</c> or <c>deleted</c>.</param>
public sealed record ModelCatalogRevised(
    long Revision,
    long PriceRevision,
    string PriceVersion,
    string ModelId,
    string Action,
    JsonElement Overrides,
    DateTimeOffset At);
