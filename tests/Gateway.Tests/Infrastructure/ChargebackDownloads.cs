namespace Gateway.Tests.Infrastructure;

/// <summary>The Spend screen's chargeback CSV download, compared byte for byte with the API's answer of the same moment.</summary>
public static class ChargebackDownloads
{
    /// <summary>
    /// Clicks the screen's download and asserts it equals the API's CSV. The report covers the fixture's whole month, so
    /// the API is read before and after: when the two differ (other tests' late usage moved it), the comparison is made again.
    /// </summary>
    public static async Task<byte[]> AssertSameAsApiAsync(ConsolePage console, GatewayFixture gateway, string month, string dimension = "workspace")
    {
        var page = console.Page;
        var path = $"/admin/v1/chargeback?month={month}&dimension={Uri.EscapeDataString(dimension)}&format=csv";
        for (var attempt = 1; ; attempt++)
        {
            var before = await gateway.Admin.GetByteArrayAsync(path);
            var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#chargeback-csv").ClickAsync());
            var downloaded = await File.ReadAllBytesAsync((await download.PathAsync())!);
            var after = await gateway.Admin.GetByteArrayAsync(path);
            if (before.AsSpan().SequenceEqual(after) || attempt == 3)
            {
                Assert.Equal(before, downloaded);
                return downloaded;
            }
        }
    }
}
