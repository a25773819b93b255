using System.Text.RegularExpressions;
using k8s.Models;

namespace Collaboration.Deploy.Tests;

/// <summary>Configuration comes from ConfigMaps; secrets only by reference to Secrets nobody commits.</summary>
public sealed class ConfigurationTests
{
    public static TheoryData<string> Overlays => ["overlays/dev", "overlays/prod"];

    private static readonly Regex SecretName = new("(?i)pass" + "word|secret|pem|key$|token", RegexOptions.Compiled);
    private static readonly Regex Reference = new(@"\$\((?<name>[A-Za-z_][A-Za-z0-9_]*)\)", RegexOptions.Compiled);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void TheRenderedManifests_HoldNoSecret(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        Assert.Empty(manifest.All<V1Secret>());
        foreach (var configMap in manifest.All<V1ConfigMap>())
        {
            foreach (var (key, value) in configMap.Data ?? new Dictionary<string, string>())
            {
                Assert.False(SecretName.IsMatch(key), $"{overlay} ConfigMap {configMap.Metadata.Name}: '{key}' belongs in a Secret");
                Assert.DoesNotContain("PRIVATE KEY", value);
                Assert.DoesNotMatch("(?i)pass" + "word=", value);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryContainer_TakesItsConfigurationFromConfigMaps_AndSecretsByReference(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        var configMaps = manifest.All<V1ConfigMap>().Select(c => c.Metadata.Name).ToHashSet();
        foreach (var (name, template) in manifest.Workloads)
        {
            foreach (var container in template.Spec.Containers)
            {
                var where = $"{overlay} {name}/{container.Name}";
                if (Manifest.Role(template) != "cache")
                {
                    Assert.True((container.EnvFrom ?? []).Any(e => e.ConfigMapRef is not null), $"{where}: no ConfigMap");
                }
                foreach (var source in container.EnvFrom ?? [])
                {
                    Assert.True(source.SecretRef is null, $"{where}: takes a whole Secret as environment");
                    Assert.Contains(source.ConfigMapRef.Name, configMaps);
                }
                var fromSecrets = new HashSet<string>();
                foreach (var variable in container.Env ?? [])
                {
                    if (variable.ValueFrom is { } from)
                    {
                        if (from.SecretKeyRef is { } secret)
                        {
                            Assert.True(secret.Optional != true, $"{where}: {variable.Name} from an optional Secret");
                            fromSecrets.Add(variable.Name);
                        }
                        else
                        {
                            Assert.True(from.ConfigMapKeyRef is not null && configMaps.Contains(from.ConfigMapKeyRef.Name),
                                $"{where}: {variable.Name} from neither a Secret nor a ConfigMap");
                        }
                        continue;
                    }
                    // A literal is only a connection string that composes a password from a Secret-backed variable.
                    Assert.False(SecretName.IsMatch(variable.Name), $"{where}: {variable.Name} is a literal");
                    var references = Reference.Matches(variable.Value ?? "").Select(m => m.Groups["name"].Value).ToList();
                    Assert.True(references.Count > 0, $"{where}: {variable.Name} is a literal; configuration belongs in a ConfigMap");
                    Assert.All(references, r => Assert.True(fromSecrets.Contains(r), $"{where}: {variable.Name} uses $({r}), not a Secret defined before it"));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EverySecretReferenced_IsOneTheReadmeTellsOperatorsToCreate(string overlay)
    {
        var manifest = Manifest.Of(overlay);
        var table = ReadmeSection().Split('\n').Where(line => line.StartsWith('|')).ToList();
        var referenced = manifest.Workloads
            .SelectMany(w => w.Template.Spec.Containers)
            .SelectMany(c => c.Env ?? [])
            .Select(e => e.ValueFrom?.SecretKeyRef?.Name)
            .Concat(manifest.All<Cluster>().SelectMany(c => c.Spec.Managed?.Roles ?? []).Select(r => r.PasswordSecret?.Name))
            .Concat(manifest.All<Cluster>().Select(c => c.Spec.Backup?.BarmanObjectStore?.S3Credentials?.AccessKeyId?.Name))
            .Concat(manifest.All<V1Ingress>().SelectMany(i => i.Spec.Tls ?? []).Select(t => t.SecretName))
            .OfType<string>()
            .ToHashSet();
        Assert.NotEmpty(referenced);
        foreach (var name in referenced)
        {
            Assert.True(table.Any(line => line.Contains($"`{name}`", StringComparison.Ordinal)),
                $"{overlay}: Secret {name} is not in the table of Secrets in the README's Running on Kubernetes section");
        }
    }

    public static string ReadmeSection()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var start = readme.IndexOf("\n## Running on Kubernetes", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no \"## Running on Kubernetes\" section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }
}
