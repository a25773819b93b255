using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Collaboration.Shared.Hosting;

/// <summary>
/// Grpc.Swagger names a path by the request field it binds (<c>/v1/{name}:submit</c>), which loses the resource
/// pattern a generated client or a reader needs, and gives <c>GET /v1/{name=cohorts/*}</c> and
/// <c>GET /v1/{name=cohorts/*/enrolments/*}</c> the same path. This names each path as the contract's HTTP rule
/// does (<c>/v1/labs/{lab}:submit</c>), with one path parameter per resource id.
/// </summary>
internal sealed class ResourcePathsProvider : IApiDescriptionProvider
{
    public int Order => 0;

    public void OnProvidersExecuting(ApiDescriptionProviderContext context)
    {
    }

    // Runs after every provider has added its descriptions (Grpc.Swagger's among them).
    public void OnProvidersExecuted(ApiDescriptionProviderContext context)
    {
        foreach (var description in context.Results)
        {
            if (ResourcePaths.TemplateOf(description) is not { } template)
            {
                continue;
            }
            var query = description.RelativePath?.IndexOf('?', StringComparison.Ordinal) is >= 0 and var at ? description.RelativePath[at..] : "";
            description.RelativePath = template.RouteTemplate[1..] + query;
            var bound = description.ParameterDescriptions.Where(p => p.Source == BindingSource.Path).ToList();
            if (bound.FirstOrDefault() is not { } prototype)
            {
                continue; // a template without variables
            }
            foreach (var parameter in bound)
            {
                description.ParameterDescriptions.Remove(parameter);
            }
            foreach (var variable in template.Variables.Reverse())
            {
                description.ParameterDescriptions.Insert(0, new ApiParameterDescription
                {
                    Name = variable.Text,
                    Source = BindingSource.Path,
                    Type = typeof(string),
                    ModelMetadata = prototype.ModelMetadata,
                    IsRequired = true,
                });
            }
        }
    }
}

/// <summary>Describes each resource id of a path: which resource name it is part of and which request field it fills.</summary>
internal sealed class ResourcePathsOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (ResourcePaths.TemplateOf(context.ApiDescription) is not { } template)
        {
            return;
        }
        foreach (var variable in template.Variables)
        {
            if (operation.Parameters.FirstOrDefault(p => p.In == ParameterLocation.Path && p.Name == variable.Text) is { } parameter)
            {
                parameter.Required = true;
                parameter.Description =
                    $"The {variable.Text} id in the resource name `{variable.ResourcePattern}` (request field `{variable.Field}`).";
            }
        }
    }
}

internal static class ResourcePaths
{
    public static HttpRuleTemplate? TemplateOf(ApiDescription description) =>
        description.ActionDescriptor.EndpointMetadata.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault()?.HttpRule is { } rule
            ? HttpRuleTemplate.FromRule(rule).Template
            : null;
}
