using k8s.Models;

namespace Collaboration.Deploy.Tests;

/// <summary>dev: one of each. prod: two or more of every replicated workload, scaled on CPU, kept up through drains, spread over nodes.</summary>
public sealed class ScalingTests
{
    /// <summary>The workloads prod replicates; the cache stays one disposable instance (replicas would be separate caches).</summary>
    private static readonly HashSet<string> ReplicatedRoles = ["gateway", "identity", "service", "portal"];

    private static IEnumerable<V1Deployment> Replicated(Manifest manifest) =>
        manifest.Deployments.Where(d => ReplicatedRoles.Contains(Manifest.Role(d.Spec.Template)));

    [Fact]
    public void Dev_RunsOneReplicaOfEverything()
    {
        Assert.All(Manifest.Dev.Deployments, d => Assert.Equal(1, d.Spec.Replicas));
        Assert.Equal(1, Assert.Single(Manifest.Dev.All<Cluster>()).Spec.Instances);
    }

    [Fact]
    public void Prod_RunsAtLeastTwoReplicas_OfTheGatewayAndEveryService()
    {
        var replicated = Replicated(Manifest.Prod).ToList();
        Assert.Contains(replicated, d => d.Metadata.Name == "gateway");
        Assert.Contains(replicated, d => d.Metadata.Name == "identity");
        Assert.True(replicated.Count(d => Manifest.Role(d.Spec.Template) == "service") >= 4);
        Assert.All(replicated, d => Assert.True(d.Spec.Replicas >= 2, $"{d.Metadata.Name}: {d.Spec.Replicas} replica(s)"));
    }

    [Fact]
    public void Prod_ScalesEveryReplicatedWorkloadOnCpu_NeverBelowTwo()
    {
        var autoscalers = Manifest.Prod.All<V2HorizontalPodAutoscaler>().ToList();
        foreach (var deployment in Replicated(Manifest.Prod))
        {
            var name = deployment.Metadata.Name;
            var hpa = autoscalers.SingleOrDefault(h => h.Spec.ScaleTargetRef is { Kind: "Deployment", ApiVersion: "apps/v1" } target && target.Name == name);
            Assert.True(hpa is not null, $"{name}: no HorizontalPodAutoscaler");
            Assert.True(hpa.Spec.MinReplicas >= 2, $"{name}: the autoscaler may go down to {hpa.Spec.MinReplicas}");
            Assert.True(hpa.Spec.MaxReplicas > hpa.Spec.MinReplicas, $"{name}: the autoscaler cannot scale");
            Assert.Contains(hpa.Spec.Metrics, m => m.Type == "Resource" && m.Resource?.Name == "cpu"
                && m.Resource.Target.Type == "Utilization" && m.Resource.Target.AverageUtilization is > 0 and <= 90);
        }
    }

    [Fact]
    public void Prod_HasADisruptionBudget_ForEveryReplicatedWorkload_ThatLetsADrainProceed()
    {
        var budgets = Manifest.Prod.All<V1PodDisruptionBudget>().ToList();
        foreach (var deployment in Replicated(Manifest.Prod))
        {
            var labels = deployment.Spec.Template.Metadata.Labels;
            var matching = budgets.Where(b => Selectors.Matches(b.Spec.Selector, labels)).ToList();
            var budget = Assert.Single(matching);
            // maxUnavailable 1 (or minAvailable below the replica count): a node drain can always move one replica.
            Assert.True(budget.Spec.MaxUnavailable is not null || budget.Spec.MinAvailable?.ToString() is { } min && int.Parse(min) < deployment.Spec.Replicas,
                $"{deployment.Metadata.Name}: the budget never lets a replica go");
        }
    }

    [Fact]
    public void Prod_SpreadsTheReplicasOfEachWorkloadAcrossNodes()
    {
        foreach (var deployment in Replicated(Manifest.Prod))
        {
            var template = deployment.Spec.Template;
            var constraint = (template.Spec.TopologySpreadConstraints ?? [])
                .SingleOrDefault(c => c.TopologyKey == "kubernetes.io/hostname");
            Assert.True(constraint is not null, $"{deployment.Metadata.Name}: no spread across nodes");
            Assert.Equal("DoNotSchedule", constraint.WhenUnsatisfiable);
            Assert.Equal(1, constraint.MaxSkew);
            // The constraint counts this workload's pods: its selector matches them, and matchLabelKeys narrows it to
            // this workload (the pods' own name label), not every pod of the platform.
            Assert.True(Selectors.Matches(constraint.LabelSelector, template.Metadata.Labels), $"{deployment.Metadata.Name}: the spread counts other pods");
            Assert.True((constraint.MatchLabelKeys ?? []).Contains("app.kubernetes.io/name")
                || constraint.LabelSelector.MatchLabels?.ContainsKey("app.kubernetes.io/name") == true,
                $"{deployment.Metadata.Name}: the spread is not per workload");
        }
    }

    [Fact]
    public void Prod_PostgreSQL_IsOnePrimaryAndTwoReplicas_OnDifferentNodes()
    {
        var cluster = Assert.Single(Manifest.Prod.All<Cluster>());
        Assert.Equal(3, cluster.Spec.Instances);
        Assert.True(cluster.Spec.Affinity is { EnablePodAntiAffinity: true, TopologyKey: "kubernetes.io/hostname", PodAntiAffinityType: "required" });
    }
}
