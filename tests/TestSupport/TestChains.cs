using Collaboration.Shared.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace Collaboration.TestSupport;

/// <summary>
/// Tests that list by industry chain need a chain no other test uses (they share one database): the shipped list
/// plus codes handed out one per call, registered with the services the fixtures start.
/// </summary>
public static class TestChains
{
    private const int Count = 5000;
    private static int _next;

    private static readonly IndustryChain[] Codes = Enumerable.Range(1, Count)
        .Select(i => new IndustryChain($"test-chain-{i:D4}", $"测试产业链 {i}", $"Test chain {i}")).ToArray();

    /// <summary>A chain code no other test in this run has had.</summary>
    public static string New() => Codes[Interlocked.Increment(ref _next) - 1].Code;

    /// <summary>Accepts the test chains (besides the shipped ones) in the service being configured.</summary>
    public static void Accept(IServiceCollection services) =>
        services.AddSingleton(IndustryChains.Embedded().Including(Codes));
}
