namespace Collaboration.Identity;

/// <summary>The <c>Identity</c> configuration section. Secrets (client secrets, passwords, key PEMs) come from AppHost parameters, never from files in the repository.</summary>
public sealed class IdentityServiceOptions
{
    public const string Section = "Identity";

    /// <summary>The fixed issuer (e.g. the URL people reach); when empty the request's host is used.</summary>
    public string? Issuer { get; set; }
    /// <summary>The <c>aud</c> of every access token: the platform's APIs.</summary>
    public string Audience { get; set; } = "collaboration";
    /// <summary>Serve the endpoints over plain HTTP (development, tests, behind a TLS-terminating proxy).</summary>
    public bool AllowHttp { get; set; }
    /// <summary>Where the RSA signing and encryption keys are kept between restarts (when no PEM is configured).</summary>
    public string? KeyDirectory { get; set; }
    public string? SigningKeyPem { get; set; }
    public string? EncryptionKeyPem { get; set; }
    public int AccessTokenMinutes { get; set; } = 5;
    public int RefreshTokenDays { get; set; } = 14;
    public int MaxFailedSignIns { get; set; } = 5;
    public int LockoutMinutes { get; set; } = 15;
    public int InvitationDays { get; set; } = 7;

    public List<MachineClient> Clients { get; set; } = [];
    public List<PortalClient> PortalClients { get; set; } = [];
    public List<BootstrapOrganization> Organizations { get; set; } = [];
    public List<BootstrapUser> Users { get; set; } = [];
}

/// <summary>A machine client (client credentials): its token carries this role, and this organisation unless it is an admin.</summary>
public sealed class MachineClient
{
    public string ClientId { get; set; } = "";
    public string ClientSecret { get; set; } = "";
    public string Role { get; set; } = "";
    public string? Organization { get; set; }
}

/// <summary>
/// A client people sign in through: authorization code with PKCE. Without a secret it is public (the token command);
/// with one it is confidential (the web portal, which keeps its secret and the tokens on its server).
/// </summary>
public sealed class PortalClient
{
    public string ClientId { get; set; } = "";
    public string? ClientSecret { get; set; }
    public List<string> RedirectUris { get; set; } = [];
    /// <summary>Where the sign-out endpoint may send a person back to.</summary>
    public List<string> PostLogoutRedirectUris { get; set; } = [];
}

public sealed class BootstrapOrganization
{
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
    public string Kind { get; set; } = "";
}

/// <summary>A demo account or the admin; its password is (re)set from configuration at start.</summary>
public sealed class BootstrapUser
{
    public string Email { get; set; } = "";
    public string Password { get; set; } = "";
    public string Role { get; set; } = "";
    public string? Organization { get; set; }
}
