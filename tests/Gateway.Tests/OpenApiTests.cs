using System.Net;
using System.Text.Json;

namespace Collaboration.Gateway.Tests;

public sealed class OpenApiTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Document_NamesPathsByResourcePattern_WithDescribedIdParameters()
    {
        using var response = await fixture.Gateway.Http.GetAsync("/openapi/alliances.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var paths = document.RootElement.GetProperty("paths");
        var names = paths.EnumerateObject().Select(p => p.Name).ToList();

        Assert.Contains("/v1/alliances", names);
        Assert.Contains("/v1/alliances/{alliance}", names);
        Assert.Contains("/v1/alliances/{alliance}:submit", names);
        Assert.Contains("/v1/alliances/{alliance}/members", names);
        Assert.Contains("/v1/alliances/{alliance}/members/{member}:remove", names);
        Assert.DoesNotContain(names, n => n.Contains("{name}", StringComparison.Ordinal) || n.Contains("{parent}", StringComparison.Ordinal)
            || n.Contains(".name}", StringComparison.Ordinal));

        // GET and PATCH share the path; each names the id it takes, described.
        var alliance = paths.GetProperty("/v1/alliances/{alliance}");
        foreach (var operation in new[] { "get", "patch" })
        {
            var parameters = alliance.GetProperty(operation).GetProperty("parameters").EnumerateArray()
                .Where(p => p.GetProperty("in").GetString() == "path").ToList();
            var id = Assert.Single(parameters);
            Assert.Equal("alliance", id.GetProperty("name").GetString());
            Assert.True(id.GetProperty("required").GetBoolean());
            Assert.Contains("alliances/{alliance}", id.GetProperty("description").GetString(), StringComparison.Ordinal);
        }
        var remove = paths.GetProperty("/v1/alliances/{alliance}/members/{member}:remove").GetProperty("post").GetProperty("parameters")
            .EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path").Select(p => p.GetProperty("name").GetString());
        Assert.Equal(["alliance", "member"], remove);
    }
}
