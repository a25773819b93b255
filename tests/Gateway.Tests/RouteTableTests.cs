using Collaboration.Shared.Hosting;

namespace Collaboration.Gateway.Tests;

/// <summary>The generated route table: who needs a token at the edge.</summary>
public sealed class RouteTableTests
{
    private static readonly string[] PublicCatalogueReads =
        ["GetCatalogueEdition", "ListCatalogueEditions", "GetCatalogueEntry", "ListCatalogueEntries", "CompareCatalogueEditions"];

    [Fact]
    public void AnonymousMethods_OnlyTheirGrpcAndHttpRoutes_NeedNoToken()
    {
        var (routes, _) = GatewayRoutes.Build(Backends.All, new GatewayOptions());
        var open = routes.Where(r => r.AuthorizationPolicy == "Anonymous").Select(r => r.RouteId).ToHashSet();

        var catalogue = Collaboration.Talent.V1.CatalogueService.Descriptor;
        var expected = Backends.All.Select(b => $"{b.Service}-openapi")
            .Concat(PublicCatalogueReads.Select(m => $"talent-grpc-{catalogue.FullName}/{m}"))
            .Concat(PublicCatalogueReads.SelectMany(m => HttpRuleTemplate.Bindings(catalogue.FindMethodByName(m)))
                .Select(b => $"talent-json-{b.HttpMethod} {b.Template.RouteTemplate}"))
            .ToHashSet();
        Assert.Equal(expected.Order(), open.Order());
        // Everything else, declarations and the catalogue's writes included, needs a token.
        Assert.Contains(routes, r => r.RouteId == $"talent-grpc-{catalogue.FullName}" && r.AuthorizationPolicy == "Default");
        Assert.Contains(routes, r => r.RouteId == "talent-json-POST /v1/catalogueEditions:compile" && r.AuthorizationPolicy == "Default");
    }
}
