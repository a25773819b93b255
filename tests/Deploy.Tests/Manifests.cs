using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Collaboration.Deploy.Tests;

/// <summary>
/// An overlay rendered by <c>kubectl kustomize</c> (the same command a deployment runs) and loaded into typed
/// Kubernetes models; the CloudNativePG resources into the small models in <see cref="Cnpg"/>. Strict: a field
/// the models do not know (a misspelt probe, a setting in the wrong place) fails the load.
/// </summary>
public sealed class Manifest
{
    public const string Registry = "registry.example/collaboration/";
    private static readonly Dictionary<string, Manifest> Rendered = [];
    private static readonly Lock RenderLock = new();

    public string Overlay { get; }
    public IReadOnlyList<object> Objects { get; }

    private Manifest(string overlay, IReadOnlyList<object> objects)
    {
        Overlay = overlay;
        Objects = objects;
    }

    public static Manifest Dev => Of("overlays/dev");
    public static Manifest Prod => Of("overlays/prod");
    public static Manifest Base => Of("base");

    public static Manifest Of(string overlay)
    {
        lock (RenderLock)
        {
            if (!Rendered.TryGetValue(overlay, out var manifest))
            {
                var yaml = Kustomize(Path.Combine(Repository.Root, "deploy", "kubernetes", overlay));
                manifest = new Manifest(overlay, KubernetesYaml.LoadAllFromString(yaml, Cnpg.TypeMap, strict: true));
                Rendered[overlay] = manifest;
            }
            return manifest;
        }
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();
    public IReadOnlyList<V1Deployment> Deployments => [.. All<V1Deployment>()];
    public IReadOnlyList<V1Job> Jobs => [.. All<V1Job>()];

    /// <summary>Every pod template: Deployments and Jobs, by workload name.</summary>
    public IReadOnlyList<(string Name, V1PodTemplateSpec Template)> Workloads =>
    [
        .. Deployments.Select(d => (d.Metadata.Name, d.Spec.Template)),
        .. Jobs.Select(j => (j.Metadata.Name, j.Spec.Template)),
    ];

    public T? Find<T>(string name) where T : IMetadata<V1ObjectMeta> =>
        All<T>().SingleOrDefault(o => o.Metadata.Name == name);

    /// <summary>The role label (<c>collaboration/role</c>) of a workload's pods: gateway, identity, service, portal, cache, seeds.</summary>
    public static string Role(V1PodTemplateSpec template) => template.Metadata.Labels["collaboration/role"];

    private static string Kustomize(string directory)
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"kubectl kustomize {directory} did not finish within a minute");
        }
        return process.ExitCode == 0
            ? output.Result
            : throw new InvalidOperationException($"kubectl kustomize {directory} failed: {error.Result}");
    }
}

public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Collaboration.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Collaboration.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Kubernetes label selectors, evaluated the way the API server does.</summary>
public static class Selectors
{
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            return false;
        }
        labels ??= new Dictionary<string, string>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }
        foreach (var expression in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(expression.Key, out var actual);
            var ok = expression.OperatorProperty switch
            {
                "In" => has && expression.Values.Contains(actual!),
                "NotIn" => !has || !expression.Values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => throw new InvalidOperationException($"unknown selector operator {expression.OperatorProperty}"),
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }
}
