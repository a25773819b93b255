using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Api;
using Google.Protobuf.Reflection;

namespace Collaboration.EndToEnd.Tests;

/// <summary>
/// Every HTTP rule of every contract (additional bindings included), read from the compiled contracts, reaches its
/// service through the gateway and is named by its resource pattern in that service's OpenAPI document.
/// </summary>
public sealed partial class ContractRoutesTests(PlatformFixture platform)
{
    private const string MissingId = "e2e-route-walk";

    public sealed record Binding(string Method, string HttpMethod, string Template)
    {
        public override string ToString() => $"{HttpMethod} {Template} ({Method})";
    }

    public static IReadOnlyList<Binding> Bindings { get; } = [.. typeof(Collaboration.Alliances.V1.AllianceService).Assembly.GetTypes()
        .Select(type => type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static))
        .Where(property => property?.PropertyType == typeof(FileDescriptor))
        .SelectMany(property => ((FileDescriptor)property!.GetValue(null)!).Services)
        .SelectMany(service => service.Methods)
        .SelectMany(method => method.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is { } rule
            ? rule.AdditionalBindings.Prepend(rule).Select(binding => Of(method.FullName, binding))
            : [])];

    private static Binding Of(string method, HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => new(method, "GET", rule.Get),
        HttpRule.PatternOneofCase.Post => new(method, "POST", rule.Post),
        HttpRule.PatternOneofCase.Put => new(method, "PUT", rule.Put),
        HttpRule.PatternOneofCase.Patch => new(method, "PATCH", rule.Patch),
        HttpRule.PatternOneofCase.Delete => new(method, "DELETE", rule.Delete),
        HttpRule.PatternOneofCase.Custom => new(method, rule.Custom.Kind, rule.Custom.Path),
        _ => throw new InvalidOperationException(method),
    };

    [Fact]
    public async Task EveryHttpRule_ReachesItsServiceThroughTheGateway()
    {
        Assert.True(Bindings.Count > 100, $"only {Bindings.Count} HTTP rules found in the contracts");
        // A caller who may do little: writes are refused (invalid, not found or not allowed) and nothing is changed.
        var token = await platform.OwnerTokenAsync("stranger");
        var unrouted = new List<string>();
        foreach (var binding in Bindings)
        {
            using var request = new HttpRequestMessage(new HttpMethod(binding.HttpMethod), Concrete(binding.Template));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (binding.HttpMethod is not ("GET" or "DELETE"))
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }
            using var response = await platform.GatewayHttp.SendAsync(request, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            // The service's own NOT_FOUND is a google.rpc.Status in JSON; the gateway's "no route" (and the
            // service's, for a path it does not transcode) is a bare 404 or 405.
            if (response.StatusCode == HttpStatusCode.MethodNotAllowed || (response.StatusCode == HttpStatusCode.NotFound && !IsStatus(body)))
            {
                unrouted.Add($"{binding} → {(int)response.StatusCode} '{body}'");
            }
        }
        Assert.True(unrouted.Count == 0, "not routed:\n" + string.Join('\n', unrouted));
    }

    [Fact]
    public async Task OpenApi_NamesEveryHttpRuleByItsResourcePattern()
    {
        string[] documents = ["alliances", "labs", "industrial-colleges", "apprenticeship-classes", "talent"];
        var operations = new HashSet<string>();
        foreach (var document in documents)
        {
            using var response = await platform.GatewayHttp.GetAsync($"/openapi/{document}.json", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            foreach (var path in json.RootElement.GetProperty("paths").EnumerateObject())
            {
                foreach (var operation in path.Value.EnumerateObject())
                {
                    operations.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
                    var ids = operation.Value.TryGetProperty("parameters", out var parameters)
                        ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path").ToList()
                        : [];
                    Assert.All(ids, id => Assert.Contains("{" + id.GetProperty("name").GetString() + "}",
                        id.GetProperty("description").GetString(), StringComparison.Ordinal));
                }
            }
        }
        var missing = Bindings.Select(b => $"{b.HttpMethod} {ResourcePath(b.Template)}").Where(o => !operations.Contains(o)).ToList();
        Assert.True(missing.Count == 0, "not in the OpenAPI documents:\n" + string.Join('\n', missing) + "\nthere:\n" + string.Join('\n', operations.Order()));
    }

    /// <summary><c>/v1/{name=labs/*}:submit</c> → <c>/v1/labs/e2e-route-walk:submit</c>.</summary>
    private static string Concrete(string template) =>
        Variable().Replace(template, m => m.Groups["pattern"].Success ? m.Groups["pattern"].Value.Replace("*", MissingId, StringComparison.Ordinal) : MissingId);

    /// <summary><c>/v1/{name=labs/*/posts/*}:fill</c> → <c>/v1/labs/{lab}/posts/{post}:fill</c>.</summary>
    private static string ResourcePath(string template) =>
        Variable().Replace(template, m => Collection().Replace(m.Groups["pattern"].Value, c => $"{c.Groups[1].Value}/{{{Singular(c.Groups[1].Value)}}}"));

    /// <summary>labs → lab, entries → entry.</summary>
    private static string Singular(string collection) =>
        collection.EndsWith("ies", StringComparison.Ordinal) ? collection[..^3] + "y" : collection.TrimEnd('s');

    private static bool IsStatus(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("code", out _) && json.RootElement.TryGetProperty("message", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"\{(?<field>[^}=]+)(=(?<pattern>[^}]+))?\}")]
    private static partial Regex Variable();

    [GeneratedRegex(@"([A-Za-z]+)/\*")]
    private static partial Regex Collection();
}
