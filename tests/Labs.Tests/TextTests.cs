using Collaboration.Labs.V1;
using Collaboration.TestSupport;

namespace Collaboration.Labs.Tests;

/// <summary>The shared request check as a user meets it here: text a database cannot store is refused, naming the field.</summary>
public sealed class TextTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private Task<long> AuditEntriesAsync() =>
        fixture.ScalarAsync("SELECT count(*) FROM audit_entries WHERE actor_organization = @code", new { code = _as.Enterprise });

    [Fact]
    public async Task CreateLab_NulInNestedName_InvalidArgumentNamingTheFieldNothingWritten()
    {
        var lab = Actors.NewLab();
        lab.Director.Name = "Li\0Wei";
        lab.ApplicationSummary = "Escape \u001B[31m sequences are not text.";

        var refused = await GrpcAssert.InvalidFields(() => _as.Host.CreateLabAsync(new CreateLabRequest { Lab = lab }).ResponseAsync,
            "lab.director.name", "lab.application_summary");

        Assert.Contains("NUL", refused.FieldViolations.Single(v => v.Field == "lab.director.name").Description, StringComparison.Ordinal);
        Assert.Contains("U+001B", refused.FieldViolations.Single(v => v.Field == "lab.application_summary").Description, StringComparison.Ordinal);
        Assert.Equal(0, await AuditEntriesAsync());
        await _as.Host.CreateLabAsync(new CreateLabRequest { Lab = Actors.NewLab() });
        Assert.Equal(1, await AuditEntriesAsync());
    }
}
