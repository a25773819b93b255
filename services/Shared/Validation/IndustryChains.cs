using System.Collections.Frozen;
using System.Text.Json;

namespace Collaboration.Shared.Validation;

public sealed record IndustryChain(string Code, string Name, string NameEn);

/// <summary>
/// The city's industry chains (data: industry-chains.json, embedded). Every service refuses a request whose
/// <c>industry_chain</c> or <c>industry_chains</c> field holds a code that is not on this list.
/// </summary>
public sealed class IndustryChains
{
    private static readonly Lazy<IndustryChains> EmbeddedList = new(Load);
    private readonly FrozenDictionary<string, IndustryChain> _byCode;

    public IndustryChains(IEnumerable<IndustryChain> chains) =>
        _byCode = chains.ToFrozenDictionary(c => c.Code, StringComparer.Ordinal);

    public IReadOnlyCollection<IndustryChain> All => _byCode.Values;

    /// <summary>The list shipped with the services.</summary>
    public static IndustryChains Embedded() => EmbeddedList.Value;

    public IndustryChain? Find(string code) => _byCode.GetValueOrDefault(code);

    /// <summary>This list and <paramref name="more"/>.</summary>
    public IndustryChains Including(IEnumerable<IndustryChain> more) => new(_byCode.Values.Concat(more));

    /// <summary>Null when <paramref name="code"/> is on the list; otherwise why not, in words.</summary>
    public string? Check(string code) =>
        _byCode.ContainsKey(code) ? null : $"'{code}' is not an industry chain of the city (see industry-chains.json).";

    private static IndustryChains Load()
    {
        using var stream = typeof(IndustryChains).Assembly.GetManifestResourceStream("industry-chains.json")
            ?? throw new InvalidOperationException("The embedded industry-chains.json is missing.");
        var file = JsonSerializer.Deserialize<ChainsFile>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("industry-chains.json is empty.");
        return new IndustryChains(file.Chains);
    }

    private sealed record ChainsFile(IReadOnlyList<IndustryChain> Chains);
}
