using System.Text.RegularExpressions;
using k8s.Models;

namespace Collaboration.Deploy.Tests;

/// <summary>What every workload of every overlay must have: probes, sized resources, the security settings, a pinned image.</summary>
public sealed class WorkloadTests
{
    public static TheoryData<string> Overlays => ["overlays/dev", "overlays/prod"];

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryDeployment_HasReadinessAndLivenessProbes_OnSeparateHealthEndpoints(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        Assert.NotEmpty(manifest.Deployments);
        foreach (var deployment in manifest.Deployments)
        {
            foreach (var container in deployment.Spec.Template.Spec.Containers)
            {
                var where = $"{overlay} {deployment.Metadata.Name}/{container.Name}";
                Assert.True(container.ReadinessProbe is not null, $"{where}: no readiness probe");
                Assert.True(container.LivenessProbe is not null, $"{where}: no liveness probe");
                if (container.ReadinessProbe.HttpGet is { } ready)
                {
                    // Ready = every check (the schema migrated, the identity database ready); alive = the process answers.
                    // A liveness probe on /health would restart a replica whenever PostgreSQL blinks.
                    Assert.Equal("/health", ready.Path);
                    Assert.Equal("/alive", container.LivenessProbe.HttpGet?.Path);
                }
                else
                {
                    Assert.True(container.ReadinessProbe.TcpSocket is not null, $"{where}: the readiness probe checks nothing");
                    Assert.True(container.LivenessProbe.TcpSocket is not null, $"{where}: the liveness probe checks nothing");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryContainer_HasCpuAndMemoryRequestsAndLimits_LimitsAtLeastRequests(string overlay)
    {
        foreach (var (name, template) in Manifest.Of(overlay).Workloads)
        {
            foreach (var container in template.Spec.Containers)
            {
                var where = $"{overlay} {name}/{container.Name}";
                var resources = container.Resources;
                Assert.True(resources?.Requests is not null && resources.Limits is not null, $"{where}: no requests or limits");
                foreach (var kind in (string[])["cpu", "memory"])
                {
                    Assert.True(resources.Requests.TryGetValue(kind, out var request), $"{where}: no {kind} request");
                    Assert.True(resources.Limits.TryGetValue(kind, out var limit), $"{where}: no {kind} limit");
                    Assert.True(limit.ToDecimal() >= request.ToDecimal(), $"{where}: {kind} limit {limit} below the request {request}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryPod_RunsAsNonRoot_ReadOnly_WithoutEscalation_AndATmpEmptyDir(string overlay)
    {
        foreach (var (name, template) in Manifest.Of(overlay).Workloads)
        {
            var pod = template.Spec;
            Assert.True(pod.SecurityContext?.RunAsNonRoot == true, $"{overlay} {name}: the pod may run as root");
            Assert.True(pod.SecurityContext.RunAsUser is > 0, $"{overlay} {name}: no non-root user id");
            Assert.True(pod.AutomountServiceAccountToken == false, $"{overlay} {name}: mounts a service account token it never uses");
            var tmpVolumes = (pod.Volumes ?? []).Where(v => v.EmptyDir is not null).Select(v => v.Name).ToHashSet();
            foreach (var container in pod.Containers)
            {
                var where = $"{overlay} {name}/{container.Name}";
                var security = container.SecurityContext;
                Assert.True(security?.AllowPrivilegeEscalation == false, $"{where}: privilege escalation allowed");
                Assert.True(security.ReadOnlyRootFilesystem == true, $"{where}: writable root file system");
                Assert.True(security.RunAsNonRoot == true, $"{where}: the container may run as root");
                Assert.True(security.Privileged != true, $"{where}: privileged");
                Assert.Contains("ALL", security.Capabilities?.Drop ?? []);
                Assert.True((container.VolumeMounts ?? []).Any(m => m.MountPath == "/tmp" && tmpVolumes.Contains(m.Name)),
                    $"{where}: no emptyDir at /tmp (the root file system is read-only)");
            }
        }
    }

    private static readonly Regex PinnedImage = new(@"^(?<repository>[^:@\s]+):(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$", RegexOptions.Compiled);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryImage_ComesFromTheOverlaysRegistry_WithAPinnedTag(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        foreach (var (name, template) in manifest.Workloads)
        {
            foreach (var container in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []))
            {
                var match = PinnedImage.Match(container.Image ?? "");
                Assert.True(match.Success, $"{overlay} {name}: image '{container.Image}' has no tag");
                Assert.NotEqual("latest", match.Groups["tag"].Value);
                Assert.StartsWith(Manifest.Registry, container.Image);
                Assert.True(container.ImagePullPolicy is null or "IfNotPresent", $"{overlay} {name}: pull policy {container.ImagePullPolicy}");
            }
        }
        foreach (var cluster in manifest.All<Cluster>())
        {
            var match = PinnedImage.Match(cluster.Spec.ImageName ?? "");
            Assert.True(match.Success && match.Groups["tag"].Value != "latest", $"{overlay}: PostgreSQL image '{cluster.Spec.ImageName}' not pinned");
        }
    }

    [Fact]
    public void TheBase_NamesNoRegistryOrTag_TheOverlaysDo()
    {
        // One place to change the registry and the version: the overlay's images list.
        foreach (var (name, template) in Manifest.Base.Workloads)
        {
            foreach (var container in template.Spec.Containers)
            {
                Assert.Equal($"collaboration/{container.Image!.Split('/')[^1]}", container.Image);
                Assert.DoesNotContain(":", container.Image);
            }
        }
    }
}
