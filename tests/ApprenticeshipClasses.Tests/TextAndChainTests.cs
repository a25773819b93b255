using Collaboration.Apprenticeships.V1;
using Collaboration.TestSupport;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Collaboration.Apprenticeships.Tests;

/// <summary>The shared request check as a user meets it here: unstorable text and unknown industry chains are refused.</summary>
public sealed class TextAndChainTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private async Task<long> ScalarAsync(string sql, object args)
    {
        await using var connection = fixture.Connect();
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    private Task<long> AuditEntriesAsync() =>
        ScalarAsync("SELECT count(*) FROM audit_entries WHERE actor_organization = @code", new { code = _as.College });

    [Fact]
    public async Task CreateCohort_NulInText_InvalidArgumentNamingTheFieldNothingWritten()
    {
        var cohort = _as.NewCohort();
        cohort.DisplayName = "CNC\0class";
        cohort.Sponsors[0].Organization.Name = "Test\u0007Hydraulics";

        await GrpcAssert.InvalidFields(() => _as.CollegeClient.CreateCohortAsync(new CreateCohortRequest { Cohort = cohort }).ResponseAsync,
            "cohort.display_name", "cohort.sponsors[0].organization.name");

        Assert.Equal(0, await AuditEntriesAsync());
        await _as.CreateAsync();
        Assert.Equal(1, await AuditEntriesAsync());
    }

    [Fact]
    public async Task CohortMethods_NoSuchChain_InvalidArgumentNamingTheField()
    {
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.CreateCohortAsync(new CreateCohortRequest { Cohort = _as.NewCohort(chain: "no-such-chain") }).ResponseAsync,
            "cohort.industry_chain");
        Assert.Equal(0, await AuditEntriesAsync());
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.ListCohortsAsync(new ListCohortsRequest { IndustryChain = "no-such-chain" }).ResponseAsync,
            "industry_chain");
        await GrpcAssert.InvalidFields(() => _as.Admin.ComputeLandingRatesAsync(new ComputeLandingRatesRequest { IndustryChain = "no-such-chain" }).ResponseAsync,
            "industry_chain");
        var cohort = await _as.CreateAsync();
        await GrpcAssert.InvalidFields(() => _as.CollegeClient.UpdateCohortAsync(new UpdateCohortRequest
        {
            Cohort = new Cohort { Name = cohort.Name, IndustryChain = "no-such-chain" },
            UpdateMask = new FieldMask { Paths = { "industry_chain" } },
        }).ResponseAsync, "cohort.industry_chain");
        Assert.Equal(cohort.IndustryChain, (await _as.CollegeClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name })).IndustryChain);
    }

    [Fact]
    public async Task ImportEnrolments_NulInALaterMessage_InvalidArgumentNamingTheRowNothingImported()
    {
        var cohort = await _as.RecruitingAsync();
        var rows = Enumerable.Range(1, 4).Select(i => Actors.Row($"N{i:D5}")).ToList();
        rows[3].DisplayName = "Learner\0Four";

        var refused = await GrpcAssert.InvalidFields(async () =>
        {
            using var call = _as.CollegeClient.ImportEnrolments(cancellationToken: TestContext.Current.CancellationToken);
            try
            {
                await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Header = new() { Parent = cohort.Name, AllowPartial = true } });
                await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Rows = new RosterRows { Rows = { rows[0], rows[1] } } });
                await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Rows = new RosterRows { Rows = { rows[2], rows[3] } } });
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException)
            {
                // The server may answer before the client has finished writing; the answer is in the response.
            }
            await call.ResponseAsync;
        }, "rows.rows[1].display_name");

        Assert.Contains("message 3 of the stream", refused.FieldViolations[0].Description, StringComparison.Ordinal);
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM enrolments WHERE cohort_id = @id",
            new { id = Guid.Parse(cohort.Name["cohorts/".Length..]) }));
    }
}
