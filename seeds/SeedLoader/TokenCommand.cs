using Collaboration.Common.V1;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Validation;

namespace Collaboration.Seeds;

/// <summary>
/// Gets a bearer token from the identity service: client credentials (the admin client, a seeded
/// organisation's owner client, or any client given its id and secret) or a demo person's sign-in
/// (authorization code with PKCE). <c>--dev-key</c> mints an HS256 token instead, for a platform
/// started with a development key. Only the token goes to standard output, so
/// <c>TOKEN=$(dotnet run --project seeds/SeedLoader -- token ...)</c> works.
/// </summary>
public static class TokenCommand
{
    private static readonly string[] ValueOptions =
    [
        "--org", "--org-kind", "--role", "--sub", "--minutes", "--data-dir", "--seed-data", "--identity",
        "--client-id", "--client-secret", "--email", "--password",
    ];
    private static readonly string[] FlagOptions = ["--list-orgs", "--dev-key"];
    private static readonly string[] Roles = ["owner", "editor", "viewer", "admin"];
    private static readonly OrganizationKind[] Kinds =
    [
        OrganizationKind.Enterprise, OrganizationKind.University, OrganizationKind.VocationalCollege,
        OrganizationKind.ResearchInstitute, OrganizationKind.GovernmentBody, OrganizationKind.Other,
    ];

    public static int Run(IReadOnlyList<string> args) => RunAsync(args).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var options = CommandLine.Parse(args, ValueOptions, FlagOptions);
        if (options.Has("--list-orgs"))
        {
            ListOrganizations(SeedData.Load(DevEnvironment.SeedDataDirectory(options)));
            return 0;
        }
        var configuration = DevEnvironment.Configuration();
        if (!options.Has("--dev-key"))
        {
            return await FromIdentityAsync(configuration, options);
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

        var auth = DevEnvironment.DevKey(configuration, options);
        var lifetime = TimeSpan.FromMinutes(minutes);
        Console.Out.WriteLine(JwtAuthentication.MintToken(auth, subject, organization, kind, role, lifetime));
        Console.Error.WriteLine($"token for sub={subject}" + (organization is null ? "" : $" org={organization} org_kind={kind}")
            + $" role={role}, valid until {DateTime.UtcNow + lifetime:yyyy-MM-dd HH:mm} UTC");
        return 0;
    }

    private static async Task<int> FromIdentityAsync(Microsoft.Extensions.Configuration.IConfiguration configuration, CommandLine options)
    {
        foreach (var devOnly in new[] { "--org-kind", "--sub", "--minutes" })
        {
            if (options.Get(devOnly) is not null)
            {
                throw Usage($"{devOnly} applies to --dev-key tokens only: the identity service decides a token's claims and lifetime.");
            }
        }
        var url = DevEnvironment.IdentityUrl(configuration, options);
        var identity = TokenSource.FromIdentity(url);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        IssuedToken token;
        string who;
        if (options.Get("--client-id") is { } clientId)
        {
            var secret = options.Get("--client-secret") ?? throw Usage("--client-id needs --client-secret.");
            (token, who) = (await identity.ClientCredentialsAsync(clientId, secret, timeout.Token), $"client {clientId}");
        }
        else if (options.Get("--email") is { } email)
        {
            var password = options.Get("--password") ?? DemoPassword(configuration, options, email);
            (token, who) = (await identity.SignInAsync(email, password, timeout.Token), email);
        }
        else
        {
            var organization = options.Get("--org");
            var role = options.Get("--role") ?? (organization is null ? null : "owner");
            if (role is null)
            {
                throw Usage("give --org CODE (see --list-orgs) to act for an organisation, --role admin to act for the city, "
                    + "--email ADDRESS to sign in a person, or --client-id ID --client-secret SECRET.");
            }
            if (!Roles.Contains(role))
            {
                throw Usage($"--role must be one of {string.Join(", ", Roles)}.");
            }
            if (role == "admin")
            {
                if (organization is not null)
                {
                    throw Usage("admins act for the city: drop --org.");
                }
                var secret = DevEnvironment.Secret(configuration, options, "Seeds:ClientSecret", DevEnvironment.AdminClientSecretFile)
                    ?? throw NoSecret(options, DevEnvironment.AdminClientSecretFile);
                (token, who) = (await identity.ClientCredentialsAsync(TokenSource.DefaultAdminClientId, secret, timeout.Token),
                    $"client {TokenSource.DefaultAdminClientId} (admin)");
            }
            else if (organization is null)
            {
                throw Usage($"--role {role} needs --org CODE (see --list-orgs).");
            }
            else if (CreditCode.Check(organization) is { } problem)
            {
                throw Usage($"--org {organization}: {problem}");
            }
            else if (role == "owner")
            {
                var secret = DevEnvironment.Secret(configuration, options, "Seeds:OrgClientSecret", DevEnvironment.OrganizationClientSecretFile)
                    ?? throw NoSecret(options, DevEnvironment.OrganizationClientSecretFile);
                var client = TokenSource.DefaultOrganizationClientPrefix + organization;
                (token, who) = (await identity.ClientCredentialsAsync(client, secret, timeout.Token), $"client {client} (owner of {organization})");
            }
            else
            {
                // Editors and viewers are people: sign in the organisation's demo account.
                var demo = $"{role}@{organization.ToLowerInvariant()}.demo";
                (token, who) = (await identity.SignInAsync(demo, DemoPassword(configuration, options, demo), timeout.Token), demo);
            }
        }
        Console.Out.WriteLine(token.AccessToken);
        Console.Error.WriteLine($"token from {url} for {who}, valid until {token.Expires:yyyy-MM-dd HH:mm:ss} UTC");
        return 0;
    }

    private static string DemoPassword(Microsoft.Extensions.Configuration.IConfiguration configuration, CommandLine options, string email)
    {
        var admin = email.Equals("admin@city.demo", StringComparison.OrdinalIgnoreCase);
        var file = admin ? DevEnvironment.AdminPasswordFile : DevEnvironment.DemoPasswordFile;
        return DevEnvironment.Secret(configuration, options, admin ? "Identity:AdminPassword" : "Identity:DemoPassword", file)
            ?? throw new SeedException($"no password for {email}: give --password, or start the AppHost once so that it writes {file} "
                + "in its data directory (pass --data-dir DIR if it is not <repo>/.data).");
    }

    private static SeedException NoSecret(CommandLine options, string file) =>
        new($"no client secret: start the AppHost once so that it writes {Path.Combine(DevEnvironment.DataDirectory(options) ?? "<repo>/.data", file)}, "
            + "or pass --data-dir DIR, or use --client-id ID --client-secret SECRET.");

    private static void ListOrganizations(SeedData data)
    {
        Console.Out.WriteLine($"{"credit code",-18}  {"kind",-18}  {"industry chain",-22}  name");
        foreach (var organization in data.OrganizationsFile.Organizations.OrderBy(o => o.Kind).ThenBy(o => o.CreditCode, StringComparer.Ordinal))
        {
            Console.Out.WriteLine($"{organization.CreditCode,-18}  {SeedData.ClaimKind(organization.Kind),-18}  {organization.IndustryChain,-22}  {organization.Name} ({organization.NameEn})");
        }
        Console.Error.WriteLine($"{data.Organizations.Count} organisations; sample data, synthetic codes. Get a token with: token --org CODE [--role owner|editor|viewer]");
    }

    private static string? SeededKind(CommandLine options, string organization)
    {
        try
        {
            var data = SeedData.Load(DevEnvironment.SeedDataDirectory(options));
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
