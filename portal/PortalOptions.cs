namespace Collaboration.Portal;

/// <summary>The <c>Portal</c> section: the client the portal is at the identity service (the AppHost generates its secret).</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    public string ClientId { get; set; } = "portal-web";
    public string ClientSecret { get; set; } = "";
    /// <summary>Refresh the access token when it has less than this left.</summary>
    public TimeSpan RefreshBefore { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>How long a session lasts without a request.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(8);
    /// <summary>The deadline of every call through the gateway.</summary>
    public TimeSpan CallDeadline { get; set; } = TimeSpan.FromSeconds(15);
}
