using Microsoft.EntityFrameworkCore;

namespace Collaboration.Identity.Data;

public sealed class Organization
{
    public required string Code { get; set; }
    public required string Name { get; set; }
    public required string Kind { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class User
{
    public Guid Id { get; set; }
    /// <summary>Lower-case; also the token's <c>sub</c>.</summary>
    public required string Email { get; set; }
    /// <summary>Null only for city admins.</summary>
    public string? OrganizationCode { get; set; }
    public required string Role { get; set; }
    public string? PasswordHash { get; set; }
    public int FailedAttempts { get; set; }
    public DateTimeOffset? LockoutEnd { get; set; }
    /// <summary>SHA-256 of the one-time invitation code; null once accepted.</summary>
    public string? InvitationHash { get; set; }
    public DateTimeOffset? InvitationExpires { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class Grant
{
    public Guid Id { get; set; }
    public required string GrantorOrganization { get; set; }
    public required string GranteeOrganization { get; set; }
    public required string Resource { get; set; }
    public required string Role { get; set; }
    public required string GrantedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
}

public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public string? ActorOrganization { get; set; }
    /// <summary>e.g. <c>user.invited</c>, <c>grant.created</c>, <c>grant.revoked</c>, <c>user.locked</c>.</summary>
    public required string Action { get; set; }
    public required string Target { get; set; }
    /// <summary>The organisation the entry concerns (its owners may read it).</summary>
    public string? Organization { get; set; }
    public string? Detail { get; set; }
}

/// <summary>OpenIddict's applications, authorizations, scopes and tokens, plus people, organisations, grants and the audit.</summary>
public sealed class IdentityDb(DbContextOptions<IdentityDb> options) : DbContext(options)
{
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Grant> Grants => Set<Grant>();
    public DbSet<AuditEntry> Audit => Set<AuditEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Organization>(e =>
        {
            e.ToTable("organizations");
            e.HasKey(o => o.Code);
            e.Property(o => o.Code).HasMaxLength(18);
        });
        modelBuilder.Entity<User>(e =>
        {
            e.ToTable("users");
            e.HasIndex(u => u.Email).IsUnique();
            e.HasIndex(u => u.OrganizationCode);
            e.HasOne<Organization>().WithMany().HasForeignKey(u => u.OrganizationCode).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<Grant>(e =>
        {
            e.ToTable("grants");
            // One live grant per (grantor, grantee, record); revoked ones stay for the record.
            e.HasIndex(g => new { g.GrantorOrganization, g.GranteeOrganization, g.Resource }).IsUnique().HasFilter("\"RevokedAt\" IS NULL");
            e.HasIndex(g => new { g.GranteeOrganization, g.Resource });
        });
        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit");
            e.HasIndex(a => new { a.Organization, a.Id });
        });
    }
}
