using Collaboration.Common.V1;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Validation;

namespace Collaboration.Seeds;

/// <summary>
/// Mints a development bearer token signed with the local key. Only the token goes to standard
/// output, so <c>TOKEN=$(dotnet run --project seeds/SeedLoader -- token ...)</c> works.
/// </summary>
public static class TokenCommand
{
    private static readonly string[] ValueOptions = ["--org", "--org-kind", "--role", "--sub", "--minutes", "--data-dir", "--seed-data"];
    private static readonly string[] FlagOptions = ["--list-orgs"];
    private static readonly string[] Roles = ["owner", "editor", "viewer", "admin"];
    private static readonly OrganizationKind[] Kinds =
    [
        OrganizationKind.Enterprise, OrganizationKind.University, OrganizationKind.VocationalCollege,
        OrganizationKind.ResearchInstitute, OrganizationKind.GovernmentBody, OrganizationKind.Other,
    ];

    public static int Run(IReadOnlyList<string> args)
    {
        var options = CommandLine.Parse(args, ValueOptions, FlagOptions);
        if (options.Has("--list-orgs"))
        {
            ListOrganizations(SeedData.Load(DevEnvironment.SeedDataDirectory(options), organizationsOnly: true));
            return 0;
        }

        var organization = options.Get("--org");
        var role = options.Get("--role") ?? (organization is null ? null : "owner");
        if (role is null)
        {
            throw Usage("give --org CODE (see --list-orgs) to act for an organisation, or --role admin to act for the city.");
        }
        if (!Roles.Contains(role))
        {
            throw Usage($"--role must be one of {string.Join(", ", Roles)}.");
        }
        string? kind = null;
        if (role == "admin")
        {
            if (organization is not null || options.Get("--org-kind") is not null)
            {
                throw Usage("admins act for the city: drop --org and --org-kind.");
            }
        }
        else
        {
            if (organization is null)
            {
                throw Usage($"--role {role} needs --org CODE (see --list-orgs).");
            }
            if (CreditCode.Check(organization) is { } problem)
            {
                throw Usage($"--org {organization}: {problem}");
            }
            kind = options.Get("--org-kind") ?? SeededKind(options, organization)
                ?? throw Usage($"{organization} is not a seeded organisation: give --org-kind ({string.Join(", ", Kinds.Select(SeedData.ClaimKind))}).");
            if (!Kinds.Select(SeedData.ClaimKind).Contains(kind))
            {
                throw Usage($"--org-kind must be one of {string.Join(", ", Kinds.Select(SeedData.ClaimKind))}.");
            }
        }
        var minutes = options.Get("--minutes") is { } text ? ParseMinutes(text) : 60;
        var subject = options.Get("--sub") ?? (organization is null ? "dev-admin" : $"dev@{organization}");

        var auth = DevEnvironment.AuthOptions(DevEnvironment.Configuration(), options);
        var lifetime = TimeSpan.FromMinutes(minutes);
        Console.Out.WriteLine(JwtAuthentication.MintToken(auth, subject, organization, kind, role, lifetime));
        Console.Error.WriteLine($"token for sub={subject}" + (organization is null ? "" : $" org={organization} org_kind={kind}")
            + $" role={role}, valid until {DateTime.UtcNow + lifetime:yyyy-MM-dd HH:mm} UTC");
        return 0;
    }

    private static void ListOrganizations(SeedData data)
    {
        Console.Out.WriteLine($"{"credit code",-18}  {"kind",-18}  {"industry chain",-22}  name");
        foreach (var organization in data.OrganizationsFile.Organizations.OrderBy(o => o.Kind).ThenBy(o => o.CreditCode, StringComparer.Ordinal))
        {
            Console.Out.WriteLine($"{organization.CreditCode,-18}  {SeedData.ClaimKind(organization.Kind),-18}  {organization.IndustryChain,-22}  {organization.Name} ({organization.NameEn})");
        }
        Console.Error.WriteLine($"{data.Organizations.Count} organisations; sample data, synthetic codes. Mint a token with: token --org CODE");
    }

    private static string? SeededKind(CommandLine options, string organization)
    {
        try
        {
            var data = SeedData.Load(DevEnvironment.SeedDataDirectory(options), organizationsOnly: true);
            return data.Organizations.TryGetValue(organization, out var seeded) ? SeedData.ClaimKind(seeded.Kind) : null;
        }
        catch (SeedException)
        {
            return null;
        }
    }

    private static int ParseMinutes(string text) =>
        int.TryParse(text, out var minutes) && minutes is >= 1 and <= 24 * 60
            ? minutes
            : throw Usage("--minutes must be a whole number from 1 to 1440.");

    private static SeedException Usage(string message) => new(message, SeedException.Usage);
}
