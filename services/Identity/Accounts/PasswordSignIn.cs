using Collaboration.Identity.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Collaboration.Identity.Accounts;

public enum SignInOutcome
{
    Succeeded,
    Failed,
    LockedOut,
}

/// <summary>
/// Checks a password with ASP.NET Core Identity's hasher (PBKDF2) and locks the account for a
/// while after repeated failures. Unknown emails cost the same hashing work as known ones.
/// </summary>
public sealed class PasswordSignIn(IdentityDb db, IPasswordHasher<User> hasher, IOptions<IdentityServiceOptions> options, TimeProvider clock)
{
    private static readonly User Nobody = new() { Email = "", Role = "" };
    private static string? _dummyHash;

    public async Task<(SignInOutcome Outcome, User? User)> SignInAsync(string email, string password, CancellationToken ct)
    {
        var normalized = Normalize(email);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Email == normalized, ct);
        var now = clock.GetUtcNow();
        if (user is null || user.PasswordHash is null)
        {
            _dummyHash ??= hasher.HashPassword(Nobody, Guid.NewGuid().ToString());
            hasher.VerifyHashedPassword(Nobody, _dummyHash, password);
            return (SignInOutcome.Failed, null);
        }
        if (user.LockoutEnd > now)
        {
            return (SignInOutcome.LockedOut, null);
        }
        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed)
        {
            var settings = options.Value;
            // Atomic increments, so parallel guesses cannot slip past the limit.
            await db.Users.Where(u => u.Id == user.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedAttempts, u => u.FailedAttempts + 1), ct);
            var locked = await db.Users.Where(u => u.Id == user.Id && u.FailedAttempts >= settings.MaxFailedSignIns)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(u => u.FailedAttempts, 0)
                    .SetProperty(u => u.LockoutEnd, now.AddMinutes(settings.LockoutMinutes)), ct);
            if (locked > 0)
            {
                db.Audit.Add(new AuditEntry
                {
                    At = now, Actor = user.Email, ActorOrganization = user.OrganizationCode, Action = "user.locked",
                    Target = user.Email, Organization = user.OrganizationCode,
                    Detail = $"{settings.MaxFailedSignIns} failed sign-ins; locked for {settings.LockoutMinutes} minutes",
                });
                await db.SaveChangesAsync(ct);
                return (SignInOutcome.LockedOut, null);
            }
            return (SignInOutcome.Failed, null);
        }
        user.FailedAttempts = 0;
        user.LockoutEnd = null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
        }
        await db.SaveChangesAsync(ct);
        return (SignInOutcome.Succeeded, user);
    }

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
