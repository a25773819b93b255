using Google.Api;
using Google.Protobuf.Reflection;

namespace Collaboration.Shared.Hosting;

/// <summary>
/// A <c>google.api.http</c> path template read into segments, so that the gateway's routes and the OpenAPI documents
/// name the same path as the contract: <c>/v1/{name=labs/*}:submit</c> is <c>/v1/labs/{lab}:submit</c>, each <c>*</c>
/// named for the collection before it.
/// </summary>
public sealed record HttpRuleTemplate(IReadOnlyList<HttpRuleTemplate.Segment> Segments, string? Verb)
{
    /// <summary>A literal, or a variable (one path segment) that fills part of the request field <paramref name="Field"/>.</summary>
    public sealed record Segment(string Text, string? Field = null, string? ResourcePattern = null)
    {
        public bool IsVariable => Field is not null;
    }

    /// <summary>The ASP.NET Core route template: <c>/v1/labs/{lab}:submit</c>.</summary>
    public string RouteTemplate =>
        "/" + string.Join('/', Segments.Select(s => s.IsVariable ? "{" + s.Text + "}" : s.Text)) + (Verb is null ? "" : ":" + Verb);

    public IEnumerable<Segment> Variables => Segments.Where(s => s.IsVariable);

    /// <summary>Every HTTP binding of <paramref name="method"/>: its rule and its additional bindings.</summary>
    public static IEnumerable<(string HttpMethod, HttpRuleTemplate Template)> Bindings(MethodDescriptor method)
    {
        if (method.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is not { } rule)
        {
            yield break;
        }
        foreach (var binding in rule.AdditionalBindings.Prepend(rule))
        {
            yield return FromRule(binding);
        }
    }

    /// <summary>The HTTP method and path template of one binding (additional bindings aside).</summary>
    public static (string HttpMethod, HttpRuleTemplate Template) FromRule(HttpRule binding)
    {
        var (verb, path) = binding.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", binding.Get),
            HttpRule.PatternOneofCase.Post => ("POST", binding.Post),
            HttpRule.PatternOneofCase.Put => ("PUT", binding.Put),
            HttpRule.PatternOneofCase.Patch => ("PATCH", binding.Patch),
            HttpRule.PatternOneofCase.Delete => ("DELETE", binding.Delete),
            HttpRule.PatternOneofCase.Custom => (binding.Custom.Kind, binding.Custom.Path),
            _ => throw new InvalidOperationException($"The HTTP rule for {binding.Selector} has no path."),
        };
        return (verb, Parse(path));
    }

    /// <summary>Reads a path template of the google.api.http syntax; <c>**</c> is refused (no contract uses it).</summary>
    public static HttpRuleTemplate Parse(string template)
    {
        if (!template.StartsWith('/'))
        {
            throw new FormatException($"'{template}' does not start with '/'.");
        }
        string? verb = null;
        var colon = template.LastIndexOf(':');
        if (colon > template.LastIndexOf('/') && colon > template.LastIndexOf('}'))
        {
            verb = template[(colon + 1)..];
            template = template[..colon];
        }

        var segments = new List<Segment>();
        foreach (var part in SplitOutsideBraces(template[1..]))
        {
            if (part.StartsWith('{') && part.EndsWith('}'))
            {
                var inner = part[1..^1];
                var equals = inner.IndexOf('=', StringComparison.Ordinal);
                var field = equals < 0 ? inner : inner[..equals];
                var pattern = equals < 0 ? "*" : inner[(equals + 1)..];
                AddPattern(segments, pattern, field, template);
            }
            else
            {
                AddPattern(segments, part, field: null, template);
            }
        }
        return new HttpRuleTemplate(segments, verb);
    }

    private static void AddPattern(List<Segment> segments, string pattern, string? field, string template)
    {
        string? previous = null;
        var resource = new List<string>();
        var start = segments.Count;
        foreach (var piece in pattern.Split('/'))
        {
            if (piece == "**")
            {
                throw new FormatException($"'{template}': '**' is not supported.");
            }
            if (piece == "*")
            {
                var name = previous is null ? (field ?? "id").Replace('.', '_') : Singular(previous);
                resource.Add("{" + name + "}");
                segments.Add(new Segment(name, field ?? name));
            }
            else
            {
                resource.Add(piece);
                segments.Add(new Segment(piece));
            }
            previous = piece;
        }
        var resourcePattern = string.Join('/', resource);
        for (var i = start; i < segments.Count; i++)
        {
            if (segments[i].IsVariable)
            {
                segments[i] = segments[i] with { ResourcePattern = resourcePattern };
            }
        }
    }

    // Collection ids are plural camelCase nouns (alliances, trainingBases, industrialColleges).
    private static string Singular(string collection) =>
        collection.EndsWith("ies", StringComparison.Ordinal) ? collection[..^3] + "y"
        : collection.EndsWith('s') ? collection[..^1]
        : collection;

    private static IEnumerable<string> SplitOutsideBraces(string path)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < path.Length; i++)
        {
            depth += path[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (path[i] == '/' && depth == 0)
            {
                yield return path[start..i];
                start = i + 1;
            }
        }
        yield return path[start..];
    }
}
