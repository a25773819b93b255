using k8s.Models;

namespace Collaboration.Deploy.Tests;

/// <summary>Who may reach whom, evaluated on the rendered pods' labels.</summary>
public sealed class NetworkTests
{
    public static TheoryData<string> Overlays => ["overlays/dev", "overlays/prod"];

    /// <summary>
    /// The one call between services: Talent reads a catalogue entry's figures live from Apprenticeship Classes
    /// (service discovery, the admin's token), not through the gateway.
    /// </summary>
    private static readonly Dictionary<string, string> ServiceToService = new() { ["apprenticeship-classes"] = "talent" };

    /// <summary>The pods CloudNativePG runs for the cluster (labelled by the operator, not in the manifests).</summary>
    private static readonly Dictionary<string, string> PostgresPod = new() { ["cnpg.io/cluster"] = "postgres" };

    [Theory]
    [MemberData(nameof(Overlays))]
    public void IngressIsDeniedByDefault(string overlay)
    {
        Assert.Contains(Manifest.Of(overlay).All<V1NetworkPolicy>(), p =>
            p.Spec.PodSelector is { MatchLabels: null or { Count: 0 }, MatchExpressions: null or { Count: 0 } }
            && p.Spec.PolicyTypes.Contains("Ingress") && (p.Spec.Ingress ?? []).Count == 0);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryWorkload_IsCoveredByAPolicyThatNamesWhoMayReachIt(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        foreach (var deployment in manifest.Deployments)
        {
            var rules = RulesFor(manifest, deployment.Spec.Template.Metadata.Labels);
            Assert.True(rules.Count > 0, $"{overlay} {deployment.Metadata.Name}: no policy lets anything in");
            Assert.All(rules, r => Assert.True(r.FromProperty is { Count: > 0 }, $"{overlay} {deployment.Metadata.Name}: a rule lets everyone in"));
            Assert.All(rules.SelectMany(r => r.FromProperty), peer => Assert.Null(peer.IpBlock));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void TheServices_AreReachedOnlyByTheGatewayAndThePortal(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        var services = manifest.Deployments.Where(d => Manifest.Role(d.Spec.Template) == "service").ToList();
        Assert.True(services.Count >= 4);
        foreach (var service in services)
        {
            var callers = Callers(manifest, service.Spec.Template.Metadata.Labels, service.Metadata.Name);
            var allowed = ServiceToService.TryGetValue(service.Metadata.Name, out var caller) ? caller : null;
            Assert.All(callers, c => Assert.True(c.Role is "gateway" or "portal" || c.Name == allowed,
                $"{overlay}: {c.Name} ({c.Role}) may reach {service.Metadata.Name}"));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void PostgreSQL_IsReachedOnlyByTheServices(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        // Besides its own instances (replication) and the operator's namespace, only identity and the domain services.
        Assert.Subset(new HashSet<string> { "identity", "service" }, CallerRoles(manifest, PostgresPod, "postgres", allowSelf: PostgresPod, allowNamespace: "cnpg-system"));
        Assert.Contains("service", CallerRoles(manifest, PostgresPod, "postgres", allowSelf: PostgresPod, allowNamespace: "cnpg-system"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void TheCache_IsReachedOnlyByTheServices(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        var cache = Assert.Single(manifest.Deployments, d => Manifest.Role(d.Spec.Template) == "cache");
        Assert.Equal(["service"], CallerRoles(manifest, cache.Spec.Template.Metadata.Labels, "cache"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void TheIngress_ExposesOnlyTheGatewayThePortalAndIdentitysPublicEndpoints(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        string[] publicIdentityPaths = ["/.well-known", "/connect", "/account", "/api"];
        var backends = new HashSet<string>();
        foreach (var ingress in manifest.All<V1Ingress>())
        {
            Assert.Null(ingress.Spec.DefaultBackend);
            Assert.True(ingress.Spec.Tls is { Count: > 0 }, $"{overlay} {ingress.Metadata.Name}: no TLS");
            foreach (var path in ingress.Spec.Rules.SelectMany(r => r.Http.Paths))
            {
                var service = path.Backend.Service.Name;
                backends.Add(service);
                Assert.Contains(service, (string[])["gateway", "portal", "identity"]);
                if (service == "identity")
                {
                    Assert.Contains(path.Path, publicIdentityPaths);
                }
                Assert.DoesNotContain("/health", path.Path);
                Assert.DoesNotContain("/alive", path.Path);
            }
        }
        Assert.Equal(["gateway", "identity", "portal"], backends.Order());
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void PeopleStayOnOneReplica_OfIdentityAndThePortal(string overlay)
    {
        // Their sign-in cookies, antiforgery tokens and portal sessions are protected with keys each replica keeps in
        // memory: a person's next request on another replica would be signed out.
        foreach (var ingress in Manifest.Of(overlay).All<V1Ingress>()
            .Where(i => i.Spec.Rules.SelectMany(r => r.Http.Paths).Any(p => p.Backend.Service.Name is "identity" or "portal")))
        {
            Assert.True(ingress.Metadata.Annotations?.TryGetValue("nginx.ingress.kubernetes.io/affinity", out var affinity) == true && affinity == "cookie",
                $"{overlay} {ingress.Metadata.Name}: no session affinity");
        }
    }

    /// <summary>Every ingress rule of every policy that selects pods with these labels.</summary>
    private static List<V1NetworkPolicyIngressRule> RulesFor(Manifest manifest, IDictionary<string, string> labels) =>
        [.. manifest.All<V1NetworkPolicy>()
            .Where(p => p.Spec.PolicyTypes.Contains("Ingress") && Selectors.Matches(p.Spec.PodSelector, labels))
            .SelectMany(p => p.Spec.Ingress ?? [])];

    /// <summary>
    /// The roles of the workloads in this namespace that some policy lets reach the pods; a peer outside the
    /// namespace (the Ingress controller's, the operator's) or one selecting nothing fails unless allowed.
    /// </summary>
    private static HashSet<string> CallerRoles(Manifest manifest, IDictionary<string, string> labels, string what,
        IDictionary<string, string>? allowSelf = null, string? allowNamespace = null) =>
        [.. Callers(manifest, labels, what, allowSelf, allowNamespace).Select(c => c.Role)];

    private static HashSet<(string Name, string Role)> Callers(Manifest manifest, IDictionary<string, string> labels, string what,
        IDictionary<string, string>? allowSelf = null, string? allowNamespace = null)
    {
        var roles = new HashSet<(string Name, string Role)>();
        foreach (var rule in RulesFor(manifest, labels))
        {
            foreach (var peer in rule.FromProperty)
            {
                if (peer.NamespaceSelector is { } namespaces)
                {
                    Assert.True(allowNamespace is not null && namespaces.MatchLabels?["kubernetes.io/metadata.name"] == allowNamespace && peer.PodSelector is null,
                        $"{manifest.Overlay} {what}: reachable from another namespace");
                    continue;
                }
                if (allowSelf is not null && Selectors.Matches(peer.PodSelector, allowSelf))
                {
                    continue;
                }
                var callers = manifest.Workloads.Where(w => Selectors.Matches(peer.PodSelector, w.Template.Metadata.Labels)).ToList();
                Assert.True(callers.Count > 0 || peer.PodSelector?.MatchLabels?.ContainsKey("collaboration/role") == true,
                    $"{manifest.Overlay} {what}: a peer selects no workload");
                roles.UnionWith(callers.Select(c => (c.Name, Manifest.Role(c.Template))));
            }
        }
        return roles;
    }
}
