using System.Text.Json;
using k8s.Models;

namespace Collaboration.Deploy.Tests;

/// <summary>The dev overlay's identity knows the same demo organisations, clients and people as the AppHost's (AppHost/Identity.cs).</summary>
public sealed class DemoDataTests
{
    [Fact]
    public void DevIdentity_RegistersEverySeededOrganisation_WithItsOwnerClientAndDemoPeople()
    {
        var manifest = Manifest.Dev;
        var data = Assert.Single(manifest.All<V1ConfigMap>(), c => c.Metadata.Name == "identity-demo").Data;
        var identity = Assert.Single(manifest.Deployments, d => d.Metadata.Name == "identity").Spec.Template.Spec.Containers.Single();
        Assert.Contains(identity.EnvFrom, e => e.ConfigMapRef?.Name == "identity-demo");
        var secretOf = identity.Env.Where(e => e.ValueFrom?.SecretKeyRef is not null).ToDictionary(e => e.Name, e => e.ValueFrom.SecretKeyRef.Name);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "seeds", "data", "organizations.json")));
        var organizations = json.RootElement.GetProperty("organizations").EnumerateArray().ToList();
        Assert.NotEmpty(organizations);
        Assert.Equal("seed-loader@city", data["Identity__Clients__0__ClientId"]);
        Assert.Equal("seeds-client-secret", secretOf["Identity__Clients__0__ClientSecret"]);
        Assert.Equal("identity-admin-password", secretOf["Identity__Users__0__Password"]);
        var user = 1;
        for (var i = 0; i < organizations.Count; i++)
        {
            var code = organizations[i].GetProperty("creditCode").GetString()!;
            Assert.Equal(code, data[$"Identity__Organizations__{i}__Code"]);
            Assert.Equal(organizations[i].GetProperty("name").GetString(), data[$"Identity__Organizations__{i}__Name"]);
            Assert.Equal(organizations[i].GetProperty("kind").GetString(), data[$"Identity__Organizations__{i}__Kind"]);
            Assert.Equal($"seed-loader@{code}", data[$"Identity__Clients__{i + 1}__ClientId"]);
            Assert.Equal(code, data[$"Identity__Clients__{i + 1}__Organization"]);
            Assert.Equal("identity-org-client-secret", secretOf[$"Identity__Clients__{i + 1}__ClientSecret"]);
            foreach (var role in (string[])["owner", "editor", "viewer"])
            {
                Assert.Equal($"{role}@{code.ToLowerInvariant()}.demo", data[$"Identity__Users__{user}__Email"]);
                Assert.Equal(role, data[$"Identity__Users__{user}__Role"]);
                Assert.Equal("identity-demo-password", secretOf[$"Identity__Users__{user}__Password"]);
                user++;
            }
        }
        Assert.False(data.ContainsKey($"Identity__Organizations__{organizations.Count}__Code"), "more organisations than the seeds have");
    }

    [Fact]
    public void Prod_HasNoDemoData()
    {
        Assert.Empty(Manifest.Prod.Jobs);
        Assert.DoesNotContain(Manifest.Prod.All<V1ConfigMap>(), c => c.Metadata.Name == "identity-demo");
    }
}
