using System.Globalization;
using System.Net.Http.Headers;

namespace Gateway.Tests.Infrastructure;

/// <summary>The samples of a Prometheus text exposition (<c>name{label="value",…} value</c> lines), for assertions.</summary>
public sealed class PrometheusText
{
    private PrometheusText(string text, IReadOnlyList<Sample> samples) => (Text, Samples) = (text, samples);

    public string Text { get; }

    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>Scrapes <c>/metrics</c> (with <paramref name="adminToken"/> when given); fails the test unless it answers 200.</summary>
    public static async Task<PrometheusText> ScrapeAsync(Uri gateway, string? adminToken)
    {
        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (adminToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/metrics -> {(int)response.StatusCode}: {text}");
        return Parse(text);
    }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var valueAt = line.LastIndexOf(' ');
            var series = line[..valueAt];
            var labelsAt = series.IndexOf('{');
            var labels = new Dictionary<string, string>();
            if (labelsAt >= 0)
            {
                // Label values here never hold quotes, commas or backslashes (names, numbers, model ids).
                foreach (var pair in series[(labelsAt + 1)..series.LastIndexOf('}')].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    var equals = pair.IndexOf('=');
                    labels[pair[..equals]] = pair[(equals + 2)..^1];
                }
            }
            samples.Add(new Sample(labelsAt >= 0 ? series[..labelsAt] : series, labels,
                double.Parse(line[(valueAt + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture)));
        }
        return new PrometheusText(text, samples);
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Sum(s => s.Value);

    public bool Has(string name, params (string Name, string Value)[] labels) =>
        Samples.Any(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
