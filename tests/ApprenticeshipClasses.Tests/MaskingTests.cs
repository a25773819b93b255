using System.Net.Http.Headers;
using System.Text;
using Collaboration.Apprenticeships.V1;
using Collaboration.TestSupport;
using Google.Protobuf;
using Grpc.Core;

namespace Collaboration.Apprenticeships.Tests;

/// <summary>No full identity number in any response or log line; only a keyed hash is stored.</summary>
public sealed class MaskingTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    [Fact]
    public async Task IdentityNumbers_NeverInResponsesLogsOrTheDatabase()
    {
        var cohort = await _as.RecruitingAsync();
        var single = Identities.New();
        var imported = Identities.New();
        var csvIdentity = Identities.New();
        var badCheck = Identities.Wrong(Identities.New());
        var ours = new[] { single, imported, csvIdentity, badCheck };
        var responses = new List<string>();

        var created = await _as.CollegeClient.CreateEnrolmentAsync(new CreateEnrolmentRequest
        {
            Parent = cohort.Name, Enrolment = new Enrolment { StudentNumber = "M1", DisplayName = "Masked One", IdentityNumber = single },
        });
        Assert.Equal("**************" + single[^4..], created.MaskedIdentityNumber);
        responses.Add(JsonFormatter.Default.Format(created));
        var duplicate = await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.CollegeClient.CreateEnrolmentAsync(new CreateEnrolmentRequest
        {
            Parent = cohort.Name, Enrolment = new Enrolment { StudentNumber = "M9", DisplayName = "Same Person", IdentityNumber = single },
        }).ResponseAsync);
        responses.Add(duplicate.Status.ToString());
        var invalid = await GrpcAssert.InvalidFields(() => _as.CollegeClient.CreateEnrolmentAsync(new CreateEnrolmentRequest
        {
            Parent = cohort.Name, Enrolment = new Enrolment { StudentNumber = "M8", DisplayName = "Bad", IdentityNumber = badCheck },
        }).ResponseAsync, "enrolment.identity_number");
        responses.Add(invalid.ToString());

        var import = await Actors.ImportAsync(_as.CollegeClient, cohort.Name,
            [Actors.Row("M2", imported), Actors.Row("M3", badCheck), Actors.Row("M4", imported)], allowPartial: true);
        Assert.Equal(1, import.RowsImported);
        responses.Add(JsonFormatter.Default.Format(import));

        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/{cohort.Name}:importEnrolments?allow_partial=true")
        {
            Content = new StringContent($"student_number,display_name,identity_number\nM5,Csv Learner,{csvIdentity}\nM6,Csv Bad,{badCheck}\n",
                Encoding.UTF8, "text/csv"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _as.CollegeToken);
        using var csv = await fixture.Service.Http.SendAsync(request, TestContext.Current.CancellationToken);
        responses.Add(await csv.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        foreach (var client in new[] { _as.CollegeClient, _as.SponsorClient, _as.Admin })
        {
            responses.Add(JsonFormatter.Default.Format(await client.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = cohort.Name })));
            responses.Add(JsonFormatter.Default.Format(await client.GetEnrolmentAsync(new GetEnrolmentRequest { Name = created.Name })));
            responses.Add(JsonFormatter.Default.Format(await client.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = cohort.Name })));
        }
        var list = await _as.CollegeClient.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = cohort.Name });
        Assert.Equal(3, list.Enrolments.Count);
        Assert.All(list.Enrolments, e => Assert.Matches(@"^\*{14}[0-9X]{4}$", e.MaskedIdentityNumber));

        foreach (var identity in ours)
        {
            Assert.All(responses, r => Assert.DoesNotContain(identity, r, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(identity, StringComparison.OrdinalIgnoreCase));
        }
        Assert.NotEmpty(fixture.Logs.Lines);

        await using var connection = fixture.Connect();
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT string_agg(t::text, '|') FROM enrolments t WHERE cohort_id = @id", connection);
        command.Parameters.AddWithValue("id", Guid.Parse(cohort.Name["cohorts/".Length..]));
        var stored = (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        foreach (var identity in ours)
        {
            Assert.DoesNotContain(identity, stored, StringComparison.OrdinalIgnoreCase);
        }
    }
}
