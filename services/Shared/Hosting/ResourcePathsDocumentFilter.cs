using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Collaboration.Shared.Hosting;

/// <summary>
/// Grpc.Swagger names a path by the request field it binds (<c>/v1/{name}:submit</c>), which loses the resource
/// pattern a generated client or a reader needs; this names it as the contract's HTTP rule does
/// (<c>/v1/labs/{lab}:submit</c>), with one described path parameter per resource id.
/// </summary>
internal sealed class ResourcePathsDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var paths = new OpenApiPaths();
        foreach (var (path, item) in swaggerDoc.Paths)
        {
            foreach (var (operationType, operation) in item.Operations)
            {
                var target = path;
                if (RuleOf(context, path, operationType.ToString()) is { } template)
                {
                    target = template.RouteTemplate;
                    var others = operation.Parameters.Where(p => p.In != ParameterLocation.Path).ToList();
                    operation.Parameters = [.. template.Variables.Select(PathParameter), .. others];
                }
                if (!paths.TryGetValue(target, out var targetItem))
                {
                    paths[target] = targetItem = new OpenApiPathItem { Summary = item.Summary, Description = item.Description };
                }
                targetItem.Operations[operationType] = operation;
            }
        }
        swaggerDoc.Paths = paths;
    }

    private static HttpRuleTemplate? RuleOf(DocumentFilterContext context, string path, string httpMethod)
    {
        var description = context.ApiDescriptions.FirstOrDefault(d =>
            string.Equals(d.HttpMethod, httpMethod, StringComparison.OrdinalIgnoreCase) && "/" + d.RelativePath?.Split('?')[0] == path);
        var rule = description?.ActionDescriptor.EndpointMetadata.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault()?.HttpRule;
        return rule is null ? null : HttpRuleTemplate.FromRule(rule).Template;
    }

    private static OpenApiParameter PathParameter(HttpRuleTemplate.Segment variable) => new()
    {
        Name = variable.Text,
        In = ParameterLocation.Path,
        Required = true,
        Schema = new OpenApiSchema { Type = "string" },
        Description = $"The {variable.Text} id in the resource name `{variable.ResourcePattern}` (request field `{variable.Field}`).",
    };
}
