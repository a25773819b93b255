using Collaboration.Colleges.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.IndustrialColleges.Tests;

/// <summary>The shared request check as a user meets it here: unstorable text and unknown industry chains are refused.</summary>
public sealed class TextAndChainTests(CollegesFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private Task<long> AuditEntriesAsync() =>
        fixture.ScalarAsync("SELECT count(*) FROM audit_entries WHERE actor_organization = @code", ("code", _as.College));

    [Fact]
    public async Task CreateIndustrialCollege_NulInText_InvalidArgumentNamingTheFieldNothingWritten()
    {
        var college = Actors.NewCollege();
        college.DisplayName = "Test\0college";
        college.Majors[1].Code = "460\u0085104";

        await GrpcAssert.InvalidFields(() => _as.Host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = college }).ResponseAsync,
            "industrial_college.display_name", "industrial_college.majors[1].code");

        Assert.Equal(0, await AuditEntriesAsync());
        await _as.CreateAsync();
        Assert.Equal(1, await AuditEntriesAsync());
    }

    [Fact]
    public async Task CollegeMethods_NoSuchChain_InvalidArgumentNamingTheField()
    {
        var college = Actors.NewCollege();
        college.IndustryChain = "no-such-chain";
        await GrpcAssert.InvalidFields(() => _as.Host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = college }).ResponseAsync,
            "industrial_college.industry_chain");
        Assert.Equal(0, await AuditEntriesAsync());
        await GrpcAssert.InvalidFields(() => _as.Host.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { IndustryChain = "no-such-chain" }).ResponseAsync,
            "industry_chain");
        var created = await _as.CreateAsync();
        await GrpcAssert.InvalidFields(() => _as.Host.UpdateIndustrialCollegeAsync(new UpdateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege { Name = created.Name, IndustryChain = "no-such-chain" },
            UpdateMask = new FieldMask { Paths = { "industry_chain" } },
        }).ResponseAsync, "industrial_college.industry_chain");
        Assert.Equal(created.IndustryChain, (await _as.Host.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = created.Name })).IndustryChain);
    }
}
