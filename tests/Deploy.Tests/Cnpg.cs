using k8s;
using k8s.Models;

namespace Collaboration.Deploy.Tests;

/// <summary>The CloudNativePG resources the base declares (postgresql.cnpg.io/v1), as much of them as the manifests use.</summary>
public static class Cnpg
{
    public static readonly Dictionary<string, Type> TypeMap = new()
    {
        ["postgresql.cnpg.io/v1/Cluster"] = typeof(Cluster),
        ["postgresql.cnpg.io/v1/Database"] = typeof(Database),
        ["postgresql.cnpg.io/v1/ScheduledBackup"] = typeof(ScheduledBackup),
    };
}

public abstract class CnpgObject : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
}

public sealed class Cluster : CnpgObject
{
    public ClusterSpec Spec { get; set; } = new();
}

public sealed class ClusterSpec
{
    public int Instances { get; set; }
    public string? ImageName { get; set; }
    public string? PrimaryUpdateStrategy { get; set; }
    public Dictionary<string, Dictionary<string, string>>? Postgresql { get; set; }
    public ClusterAffinity? Affinity { get; set; }
    public Dictionary<string, string>? Storage { get; set; }
    public V1ResourceRequirements? Resources { get; set; }
    public ManagedConfiguration? Managed { get; set; }
    public BackupConfiguration? Backup { get; set; }
}

public sealed class ClusterAffinity
{
    public bool EnablePodAntiAffinity { get; set; }
    public string? TopologyKey { get; set; }
    public string? PodAntiAffinityType { get; set; }
}

public sealed class ManagedConfiguration
{
    public List<RoleConfiguration> Roles { get; set; } = [];
}

public sealed class RoleConfiguration
{
    public string Name { get; set; } = "";
    public bool Login { get; set; }
    public string? Ensure { get; set; }
    public LocalObjectReference? PasswordSecret { get; set; }
}

public sealed class LocalObjectReference
{
    public string Name { get; set; } = "";
}

public sealed class SecretKeySelector
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";
}

public sealed class BackupConfiguration
{
    public string? RetentionPolicy { get; set; }
    public BarmanObjectStore? BarmanObjectStore { get; set; }
}

public sealed class BarmanObjectStore
{
    public string DestinationPath { get; set; } = "";
    public S3Credentials? S3Credentials { get; set; }
    public Dictionary<string, string>? Wal { get; set; }
    public Dictionary<string, string>? Data { get; set; }
}

public sealed class S3Credentials
{
    public SecretKeySelector? AccessKeyId { get; set; }
    public SecretKeySelector? SecretAccessKey { get; set; }
}

public sealed class ScheduledBackup : CnpgObject
{
    public ScheduledBackupSpec Spec { get; set; } = new();
}

public sealed class ScheduledBackupSpec
{
    public string Schedule { get; set; } = "";
    public string? BackupOwnerReference { get; set; }
    public string? Method { get; set; }
    public LocalObjectReference Cluster { get; set; } = new();
}

public sealed class Database : CnpgObject
{
    public DatabaseSpec Spec { get; set; } = new();
}

public sealed class DatabaseSpec
{
    public LocalObjectReference Cluster { get; set; } = new();
    public string Name { get; set; } = "";
    public string Owner { get; set; } = "";
    public string? Ensure { get; set; }
}
