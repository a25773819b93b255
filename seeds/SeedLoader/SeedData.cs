using System.Text.Json;
using System.Text.Json.Serialization;
using Collaboration.Common.V1;

namespace Collaboration.Seeds;

public sealed record IndustryChain(string Id, string Name, string NameEn);

public sealed record SeedCity(string Name, string NameEn, string DivisionCode);

public sealed record SeedOrganization(string CreditCode, string Name, string NameEn, OrganizationKind Kind,
    string IndustryChain, string District)
{
    public Organization ToProto() => new() { CreditCode = CreditCode, Name = Name, Kind = Kind };
}

public sealed record OrganizationsFile(string Note, SeedCity City, IReadOnlyList<IndustryChain> IndustryChains,
    IReadOnlyList<SeedOrganization> Organizations);

/// <summary>organizations.json: who the loader can act as (each organisation's owner client) and what <c>${org:CODE}</c> stands for.</summary>
public sealed class SeedData
{
    public const string OrganizationsFileName = "organizations.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private SeedData(OrganizationsFile file)
    {
        OrganizationsFile = file;
        Organizations = file.Organizations.GroupBy(o => o.CreditCode).ToDictionary(g => g.Key, g => g.First());
    }

    public OrganizationsFile OrganizationsFile { get; }

    public IReadOnlyDictionary<string, SeedOrganization> Organizations { get; }

    public static SeedData Load(string directory)
    {
        var path = Path.Combine(directory, OrganizationsFileName);
        if (!File.Exists(path))
        {
            throw new SeedException($"{path} does not exist (use --seed-data DIR to point at the seed files).", SeedException.InvalidData);
        }
        try
        {
            using var stream = File.OpenRead(path);
            return new SeedData(JsonSerializer.Deserialize<OrganizationsFile>(stream, Json)
                ?? throw new SeedException($"{path} is empty.", SeedException.InvalidData));
        }
        catch (JsonException e)
        {
            throw new SeedException($"{path} is not valid seed data: {e.Message}", SeedException.InvalidData);
        }
    }

    public static string ClaimKind(OrganizationKind kind) => Shared.Identity.Caller.KindClaim(kind);
}
