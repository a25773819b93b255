using Collaboration.Gateway;
using Google.Api;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Collaboration.Gateway.Tests;

/// <summary>Every JSON path of every contract method reaches the service that implements it through the generated routes.</summary>
public sealed class JsonRouteTests
{
    private static IEnumerable<MethodDescriptor> ContractMethods() =>
        typeof(Collaboration.Labs.V1.LabService).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Reflection", StringComparison.Ordinal) && t.GetProperty("Descriptor")?.PropertyType == typeof(FileDescriptor))
            .Select(t => (FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!)
            .Where(f => f.Package.StartsWith("collaboration.", StringComparison.Ordinal))
            .SelectMany(f => f.Services)
            .SelectMany(s => s.Methods);

    [Fact]
    public void EveryHttpRule_IsRoutedToItsService()
    {
        var (routes, _) = GatewayRoutes.Build(Backends.All, new GatewayOptions());
        var json = routes.Where(r => r.RouteId.Contains("-json", StringComparison.Ordinal))
            .Select(r => (r.ClusterId, Matcher: new TemplateMatcher(TemplateParser.Parse(r.Match.Path!.TrimStart('/')), new RouteValueDictionary())))
            .ToList();
        var methods = ContractMethods().Where(m => m.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is not null).ToList();
        Assert.Contains(methods, m => m.Name == "ListOrganizationPosts");

        var unrouted = new List<string>();
        foreach (var method in methods)
        {
            var rule = method.GetOptions().GetExtension(AnnotationsExtensions.Http);
            var path = Concrete(rule.Get is { Length: > 0 } ? rule.Get : rule.Post is { Length: > 0 } ? rule.Post : rule.Patch is { Length: > 0 } ? rule.Patch : rule.Delete);
            var backend = Backends.All.Single(b => method.Service.FullName.StartsWith(b.GrpcPackagePrefix, StringComparison.Ordinal));
            var clusters = json.Where(r => r.Matcher.TryMatch(path, new RouteValueDictionary())).Select(r => r.ClusterId).Distinct().ToList();
            if (clusters.Count != 1 || clusters[0] != $"{backend.Service}-http")
            {
                unrouted.Add($"{method.FullName} {path} → [{string.Join(", ", clusters)}]");
            }
        }
        Assert.True(unrouted.Count == 0, $"JSON paths not routed to exactly their service:{Environment.NewLine}{string.Join(Environment.NewLine, unrouted)}");
    }

    /// <summary>A request path for a google.api.http template: "/v1/{parent=labs/*}/posts" → "/v1/labs/x/posts".</summary>
    private static string Concrete(string template)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{[a-z_.]+=([^}]*)\}", m => m.Groups[1].Value.Replace("**", "x/y").Replace("*", "x"));
        return System.Text.RegularExpressions.Regex.Replace(path, @"\{[a-z_.]+\}", "x");
    }
}
