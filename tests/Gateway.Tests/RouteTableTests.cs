using System.Reflection;
using Collaboration.Shared.Hosting;
using Collaboration.Talent.Grpc;
using Microsoft.AspNetCore.Authorization;

namespace Collaboration.Gateway.Tests;

/// <summary>The generated route table: who needs a token at the edge.</summary>
public sealed class RouteTableTests
{
    // What the Talent service itself answers without a token: the gateway's list must be exactly these (no drift between the two).
    private static readonly string[] PublicCatalogueReads = [.. typeof(CatalogueGrpcService).GetMethods()
        .Where(m => m.GetCustomAttribute<AllowAnonymousAttribute>() is not null).Select(m => m.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public void AnonymousMethods_OnlyTheirGrpcAndHttpRoutes_NeedNoToken()
    {
        var (routes, _) = GatewayRoutes.Build(Backends.All, new GatewayOptions());
        var open = routes.Where(r => r.AuthorizationPolicy == "Anonymous").Select(r => r.RouteId).ToHashSet();

        var catalogue = Collaboration.Talent.V1.CatalogueService.Descriptor;
        Assert.Equal(5, PublicCatalogueReads.Length);
        Assert.Equal(PublicCatalogueReads.Select(m => $"{catalogue.FullName}/{m}").Order(StringComparer.Ordinal),
            Backends.All.Single(b => b.Service == "talent").AnonymousMethods!.Order(StringComparer.Ordinal));
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
