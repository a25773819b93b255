using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Collaboration.AppHost;

/// <summary>The identity service and what the others need from it: its URL and the loader's client secrets.</summary>
public sealed record IdentityService(
    IResourceBuilder<ProjectResource> Resource,
    EndpointReference Url,
    IResourceBuilder<ParameterResource> SeedsClientSecret,
    IResourceBuilder<ParameterResource> OrganizationClientSecret)
{
    /// <summary>
    /// Registers the web portal as a confidential client (authorization code + PKCE, its secret generated once into the
    /// data directory) whose callbacks are on <paramref name="portalUrl"/>, and hands the portal its id and secret.
    /// </summary>
    public void AddPortalClient(IResourceBuilder<ProjectResource> portal, EndpointReference portalUrl, string dataDirectory)
    {
        var secret = Resource.ApplicationBuilder.AddPersistedSecret(ResourceNames.PortalClientSecret, "Portal:ClientSecret", dataDirectory, urlSafe: true);
        const string prefix = "Identity__PortalClients__1__";
        Resource
            .WithEnvironment(prefix + "ClientId", IdentityServiceExtensions.WebPortalClientId)
            .WithEnvironment(prefix + "ClientSecret", secret)
            .WithEnvironment(prefix + "RedirectUris__0", ReferenceExpression.Create($"{portalUrl}/signin-oidc"))
            .WithEnvironment(prefix + "PostLogoutRedirectUris__0", ReferenceExpression.Create($"{portalUrl}/signout-callback-oidc"));
        portal
            .WithEnvironment("Portal__ClientId", IdentityServiceExtensions.WebPortalClientId)
            .WithEnvironment("Portal__ClientSecret", secret);
    }
}

/// <summary>
/// The token issuer every service trusts (discovery and JWKS at <c>Auth__Authority</c>). Its machine
/// clients, organisations and demo accounts are generated here from <c>seeds/data/organizations.json</c>;
/// every secret and password is a parameter generated once into the data directory (never committed).
/// </summary>
public static class IdentityServiceExtensions
{
    /// <summary>
    /// The admin machine client the seeds loader uses (client credentials). A client's id is its tokens' <c>sub</c>, and
    /// the services fingerprint a request id with its caller: these are the subjects the loader used before, so a data
    /// directory seeded then replays instead of refusing the request ids.
    /// </summary>
    public const string SeedsClientId = "seed-loader@city";
    /// <summary>Each seeded organisation's owner machine client is <c>seed-loader@&lt;credit code&gt;</c>.</summary>
    public const string OrganizationClientPrefix = "seed-loader@";
    /// <summary>The public client people sign in through (authorization code + PKCE); the token command uses it.</summary>
    public const string PortalClientId = "portal";
    public const string PortalRedirectUri = "http://127.0.0.1/callback";
    /// <summary>The web portal: a confidential client (its secret stays on its server, like the tokens it gets).</summary>
    public const string WebPortalClientId = "portal-web";
    public const string AdminEmail = "admin@city.demo";
    private static readonly string[] DemoRoles = ["owner", "editor", "viewer"];

    /// <summary>A demo person's email: <c>owner@&lt;credit code, lower case&gt;.demo</c>.</summary>
    public static string DemoEmail(string role, string creditCode) => $"{role}@{creditCode.ToLowerInvariant()}.demo";

    public static IdentityService AddIdentityService(this Infrastructure infrastructure, InfrastructurePlan plan)
    {
        var builder = infrastructure.Builder;
        var connection = infrastructure.AddDatabase(ResourceNames.IdentityDb, "identity");
        var seedsSecret = builder.AddPersistedSecret(ResourceNames.SeedsClientSecret, "Seeds:ClientSecret", plan.DataDirectory, urlSafe: true);
        var organizationSecret = builder.AddPersistedSecret(ResourceNames.OrganizationClientSecret, "Seeds:OrgClientSecret", plan.DataDirectory, urlSafe: true);
        var adminPassword = builder.AddPersistedSecret(ResourceNames.AdminPassword, "Identity:AdminPassword", plan.DataDirectory, urlSafe: true);
        var demoPassword = builder.AddPersistedSecret(ResourceNames.DemoPassword, "Identity:DemoPassword", plan.DataDirectory, urlSafe: true);

        var identity = builder.AddCollaborationProject<Projects.Identity>(ResourceNames.Identity)
            .WithHttpEndpoint(port: builder.Configuration.Port("Identity:Port", 8090), name: EndpointNames.Http, isProxied: false)
            .WithHttpHealthCheck("/health", endpointName: EndpointNames.Http)
            .WithReference(connection);
        var url = identity.GetEndpoint(EndpointNames.Http);
        identity
            .WithEnvironment("Identity__Issuer", url)
            .WithEnvironment("Identity__AllowHttp", "true")
            .WithEnvironment("Identity__KeyDirectory", Path.Combine(plan.DataDirectory, "identity-keys"));
        if (infrastructure.Postgres.Server is { } server)
        {
            identity.WaitFor(server);
        }

        var organizations = SeededOrganizations(builder.AppHostDirectory);
        var clients = 0;
        void Client(string clientId, IResourceBuilder<ParameterResource> secret, string role, string? organization)
        {
            var prefix = $"Identity__Clients__{clients++}__";
            identity.WithEnvironment(prefix + "ClientId", clientId).WithEnvironment(prefix + "Role", role)
                .WithEnvironment(prefix + "ClientSecret", secret);
            if (organization is not null)
            {
                identity.WithEnvironment(prefix + "Organization", organization);
            }
        }
        var organizationCount = 0;
        void Organization(string code, string name, string kind)
        {
            var prefix = $"Identity__Organizations__{organizationCount++}__";
            identity.WithEnvironment(prefix + "Code", code).WithEnvironment(prefix + "Name", name).WithEnvironment(prefix + "Kind", kind);
        }
        var users = 0;
        void User(string email, IResourceBuilder<ParameterResource> password, string role, string? organization)
        {
            var prefix = $"Identity__Users__{users++}__";
            identity.WithEnvironment(prefix + "Email", email).WithEnvironment(prefix + "Password", password).WithEnvironment(prefix + "Role", role);
            if (organization is not null)
            {
                identity.WithEnvironment(prefix + "Organization", organization);
            }
        }

        Client(SeedsClientId, seedsSecret, "admin", null);
        User(AdminEmail, adminPassword, "admin", null);
        foreach (var organization in organizations)
        {
            Organization(organization.Code, organization.Name, organization.Kind);
            Client(OrganizationClientPrefix + organization.Code, organizationSecret, "owner", organization.Code);
            foreach (var role in DemoRoles)
            {
                User(DemoEmail(role, organization.Code), demoPassword, role, organization.Code);
            }
        }

        // More organisations and machine clients from the AppHost's own configuration (tests, local integrations).
        var configured = builder.Configuration.GetSection("Identity");
        foreach (var extra in configured.GetSection("Organizations").GetChildren())
        {
            Organization(extra["Code"] ?? "", extra["Name"] ?? extra["Code"] ?? "", extra["Kind"] ?? "");
        }
        foreach (var extra in configured.GetSection("Clients").GetChildren())
        {
            var clientId = extra["ClientId"] ?? "";
            var secret = builder.AddParameter($"identity-client-{clients}", extra["ClientSecret"] ?? "", secret: true);
            Client(clientId, secret, extra["Role"] ?? "", extra["Organization"]);
        }

        identity.WithEnvironment($"Identity__PortalClients__0__ClientId", PortalClientId)
            .WithEnvironment($"Identity__PortalClients__0__RedirectUris__0", PortalRedirectUri);
        return new IdentityService(identity, url, seedsSecret, organizationSecret);
    }

    /// <summary>Trusts the identity service's tokens (discovery and JWKS over plain HTTP locally) once it is healthy.</summary>
    public static IResourceBuilder<T> WithIdentity<T>(this IResourceBuilder<T> resource, IdentityService identity)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        resource
            .WithEnvironment("Auth__Authority", identity.Url)
            .WithEnvironment("Auth__RequireHttpsMetadata", "false")
            .WaitFor(identity.Resource);

    private sealed record SeededOrganization(string Code, string Name, string Kind);

    private static List<SeededOrganization> SeededOrganizations(string appHostDirectory)
    {
        var path = Path.GetFullPath(Path.Combine(appHostDirectory, "..", "seeds", "data", "organizations.json"));
        if (!File.Exists(path))
        {
            return [];
        }
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("organizations").EnumerateArray()
            .Select(o => new SeededOrganization(o.GetProperty("creditCode").GetString()!, o.GetProperty("name").GetString()!,
                o.GetProperty("kind").GetString()!))
            .ToList();
    }
}
