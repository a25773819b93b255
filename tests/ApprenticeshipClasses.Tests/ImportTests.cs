using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.TestSupport;
using Dapper;
using Grpc.Core;
using NpgsqlTypes;

namespace Collaboration.Apprenticeships.Tests;

public sealed class ImportTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    private async Task<long> EnrolmentCountAsync(string cohortName)
    {
        await using var connection = fixture.Connect();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM enrolments WHERE cohort_id = @id",
            new { id = Guid.Parse(cohortName["cohorts/".Length..]) });
    }

    private static List<RosterRow> Roster(int count, string prefix = "S") =>
        Enumerable.Range(1, count).Select(i => Actors.Row($"{prefix}{i:D5}")).ToList();

    [Fact]
    public async Task Import_RefusedBeforeTheRosterIsRead_EveryCallAnswersTheRefusal()
    {
        // The service refuses an outsider after the header, while the client is still sending the roster; the client must
        // still see NOT_FOUND (the server's answer), never CANCELLED (its own half-finished write).
        var cohort = await _as.RecruitingAsync();
        var roster = Roster(5000, "R");
        for (var i = 0; i < 20; i++)
        {
            await GrpcAssert.Status(StatusCode.NotFound, () => Actors.ImportAsync(_as.OutsiderClient, cohort.Name, roster, batch: 250));
        }
        Assert.Equal(0, await EnrolmentCountAsync(cohort.Name));
    }

    [Fact]
    public async Task Import_AllGood_ImportsEveryRowMasked()
    {
        var cohort = await _as.RecruitingAsync();
        var rows = Roster(25);

        var response = await Actors.ImportAsync(_as.CollegeClient, cohort.Name, rows, batch: 7);

        Assert.Equal(25, response.RowsReceived);
        Assert.Equal(25, response.RowsImported);
        Assert.Equal(0, response.RowsRejected);
        Assert.False(response.RolledBack);
        Assert.Empty(response.Errors);
        var enrolments = await _as.EnrolmentsAsync(cohort.Name);
        Assert.Equal(rows.Select(r => r.StudentNumber).Order(), enrolments.Select(e => e.StudentNumber).Order());
        var first = enrolments.Single(e => e.StudentNumber == rows[0].StudentNumber);
        Assert.Equal(new string('*', 14) + rows[0].IdentityNumber[^4..], first.MaskedIdentityNumber);
        Assert.Empty(first.IdentityNumber);
        Assert.Equal(Enrolment.Types.State.WaitingToStart, first.State);
        Assert.Equal(_as.Sponsor, first.SponsorCreditCode);
        Assert.Equal(25, (await _as.CollegeClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name })).EnrolledCount);
    }

    [Fact]
    public async Task Import_BadRows_Atomic_NothingImported_EveryBadRowReported()
    {
        var cohort = await _as.RecruitingAsync();
        var rows = Roster(10);
        rows[2].IdentityNumber = Identities.Wrong(rows[2].IdentityNumber);
        rows[4].DisplayName = "";
        rows[4].StudentNumber = "bad number!";
        rows[7].StudentNumber = rows[1].StudentNumber;       // duplicate inside the roster
        rows[8].IdentityNumber = rows[0].IdentityNumber;     // the same person twice

        var response = await Actors.ImportAsync(_as.CollegeClient, cohort.Name, rows);

        Assert.True(response.RolledBack);
        Assert.Equal(0, response.RowsImported);
        Assert.Equal(4, response.RowsRejected);
        Assert.Equal([(3, "identity_number"), (5, "display_name"), (5, "student_number"), (8, "student_number"), (9, "identity_number")],
            response.Errors.Select(e => (e.Row, e.Field)).Order());
        Assert.Contains("duplicates row 2", response.Errors.Single(e => e.Row == 8).Reason);
        Assert.Contains("row 1", response.Errors.Single(e => e.Row == 9).Reason);
        Assert.Equal(0, await EnrolmentCountAsync(cohort.Name));
    }

    [Fact]
    public async Task Import_BadRows_AllowPartial_ImportsGoodRowsReportsTheRest()
    {
        var cohort = await _as.RecruitingAsync();
        var rows = Roster(10);
        rows[3].IdentityNumber = "123";
        rows[6].StudentNumber = rows[5].StudentNumber;

        var response = await Actors.ImportAsync(_as.CollegeClient, cohort.Name, rows, allowPartial: true);

        Assert.False(response.RolledBack);
        Assert.Equal(8, response.RowsImported);
        Assert.Equal(2, response.RowsRejected);
        Assert.Equal([4, 7], response.Errors.Select(e => e.Row));
        Assert.Equal(8, await EnrolmentCountAsync(cohort.Name));
    }

    [Fact]
    public async Task Import_AgainstExistingLearners_ConflictsReported_SameLearnerSkipped()
    {
        var first = await _as.RecruitingAsync();
        var second = await _as.RecruitingAsync();
        var rows = Roster(5);
        await Actors.ImportAsync(_as.CollegeClient, first.Name, rows);

        // Same college, other cohort: the student numbers are taken.
        var elsewhere = await Actors.ImportAsync(_as.CollegeClient, second.Name, [rows[0], Actors.Row("NEW001")], allowPartial: true);
        Assert.Equal(1, elsewhere.RowsImported);
        var conflict = Assert.Single(elsewhere.Errors);
        Assert.Equal((1, "student_number"), (conflict.Row, conflict.Field));
        Assert.Contains("another cohort", conflict.Reason);

        // Same cohort: the same learner is skipped; a different person under a taken number, or the same person under a new number, is an error.
        var again = await Actors.ImportAsync(_as.CollegeClient, first.Name,
            [rows[1], Actors.Row(rows[2].StudentNumber), Actors.Row("S99999", rows[3].IdentityNumber)]);
        Assert.True(again.RolledBack);
        Assert.Equal([(2, "student_number"), (3, "identity_number")], again.Errors.Select(e => (e.Row, e.Field)));
        Assert.Equal(5, await EnrolmentCountAsync(first.Name));
    }

    [Fact]
    public async Task Reimport_SameRoster_NewRequestId_NeverDuplicates()
    {
        var cohort = await _as.RecruitingAsync();
        var rows = Roster(20);
        var first = await Actors.ImportAsync(_as.CollegeClient, cohort.Name, rows.Take(12), requestId: Guid.NewGuid().ToString());
        Assert.Equal(12, first.RowsImported);

        var second = await Actors.ImportAsync(_as.CollegeClient, cohort.Name, rows, requestId: Guid.NewGuid().ToString());

        Assert.Equal(8, second.RowsImported);
        Assert.Equal(12, second.RowsAlreadyEnrolled);
        Assert.Empty(second.Errors);
        Assert.Equal(20, await EnrolmentCountAsync(cohort.Name));
    }

    [Fact]
    public async Task Reimport_SameRequestId_ReturnsOriginal_DifferentRosterInvalid()
    {
        var cohort = await _as.RecruitingAsync();
        var rows = Roster(6);
        var requestId = Guid.NewGuid().ToString();
        var first = await Actors.ImportAsync(_as.CollegeClient, cohort.Name, rows, requestId);

        var again = await Actors.ImportAsync(_as.CollegeClient, cohort.Name, rows, requestId);
        Assert.Equal(first, again);
        Assert.Equal(6, again.RowsImported);
        Assert.Equal(6, await EnrolmentCountAsync(cohort.Name));

        rows[0].DisplayName = "Someone Else";
        await GrpcAssert.InvalidFields(() => Actors.ImportAsync(_as.CollegeClient, cohort.Name, rows, requestId), "request_id");
        Assert.Equal(6, await EnrolmentCountAsync(cohort.Name));
    }

    [Fact]
    public async Task Import_NoHeader_OrWrongState_OrOverSeats_Refused()
    {
        var draft = await _as.CreateAsync();
        var refused = await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => Actors.ImportAsync(_as.CollegeClient, draft.Name, Roster(2)));
        Assert.Contains("Draft", refused.Status.Detail);

        using (var call = _as.CollegeClient.ImportEnrolments())
        {
            await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Rows = new RosterRows { Rows = { Actors.Row("X1") } } }, TestContext.Current.CancellationToken);
            await call.RequestStream.CompleteAsync();
            await GrpcAssert.InvalidFields(() => call.ResponseAsync, "header");
        }

        var small = await _as.RecruitingAsync(seats: 3, commitment: 1);
        var over = await GrpcAssert.Status(StatusCode.FailedPrecondition, () => Actors.ImportAsync(_as.CollegeClient, small.Name, Roster(4)));
        Assert.Contains("3 seats", over.Status.Detail);
        Assert.Equal(0, await EnrolmentCountAsync(small.Name));
    }

    [Fact]
    public async Task Import_StreamBreaksMidway_NothingWritten_NextImportWorks()
    {
        var cohort = await _as.RecruitingAsync(seats: 300, commitment: 1);
        using (var call = _as.CollegeClient.ImportEnrolments())
        {
            var header = new ImportEnrolmentsRequest.Types.Header { Parent = cohort.Name };
            await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Header = header }, TestContext.Current.CancellationToken);
            var rows = new RosterRows();
            rows.Rows.AddRange(Roster(300, "M"));
            await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Rows = rows }, TestContext.Current.CancellationToken);
            await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Header = header }, TestContext.Current.CancellationToken);
            await call.RequestStream.CompleteAsync();
            await GrpcAssert.InvalidFields(() => call.ResponseAsync, "rows");
        }
        Assert.Equal(0, await EnrolmentCountAsync(cohort.Name));

        // The abandoned COPY left nothing behind: the same roster goes in whole afterwards.
        var response = await Actors.ImportAsync(_as.CollegeClient, cohort.Name, Roster(300, "M"));
        Assert.Equal(300, response.RowsImported);
        Assert.Equal(300, await EnrolmentCountAsync(cohort.Name));
    }

    private HttpRequestMessage CsvRequest(string cohortName, string csv, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/{cohortName}:importEnrolments{query}")
        {
            Content = new StringContent(csv, Encoding.UTF8, "text/csv"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _as.CollegeToken);
        return request;
    }

    [Fact]
    public async Task CsvUpload_SameImport_ErrorsCarryLineNumbers()
    {
        var cohort = await _as.RecruitingAsync();
        var good1 = Identities.New();
        var good2 = Identities.New();
        var csv = new StringBuilder()
            .Append("student_number,display_name,identity_number,college_mentor,enterprise_mentor\r\n")
            .Append($"C001,Learner One,{good1},Teacher Li,\r\n")
            .Append($"C002,\"Learner, Two\",{Identities.Wrong(Identities.New())},Teacher Li,\r\n")
            .Append($"C003,\"Learner \"\"Three\"\"\nsecond line\",{good2},,Master Wang\r\n")
            .Append($"C001,Learner Four,{Identities.New()},,\r\n")
            .ToString();

        using var atomic = await fixture.Service.Http.SendAsync(CsvRequest(cohort.Name, csv), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, atomic.StatusCode);
        using var atomicJson = JsonDocument.Parse(await atomic.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(atomicJson.RootElement.GetProperty("rolledBack").GetBoolean());
        var errors = atomicJson.RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("line").GetInt32(), e.GetProperty("field").GetString())).ToList();
        // Row 2 is on line 3; row 3 spans lines 4-5, so row 4 starts on line 6.
        Assert.Equal([(2, 3, "identity_number"), (4, 6, "student_number")], errors);
        Assert.Equal(0, await EnrolmentCountAsync(cohort.Name));

        using var partial = await fixture.Service.Http.SendAsync(CsvRequest(cohort.Name, csv, "?allow_partial=true"), TestContext.Current.CancellationToken);
        using var partialJson = JsonDocument.Parse(await partial.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, partialJson.RootElement.GetProperty("rowsImported").GetInt32());
        var enrolments = await _as.EnrolmentsAsync(cohort.Name);
        Assert.Equal("Learner \"Three\"\nsecond line", enrolments.Single(e => e.StudentNumber == "C003").DisplayName);
        Assert.Equal("Master Wang", enrolments.Single(e => e.StudentNumber == "C003").EnterpriseMentor);
        Assert.DoesNotContain(good1, await partial.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CsvUpload_NulOrControlCharacterInARow_RowErrorNamingTheField_NothingWritten()
    {
        var cohort = await _as.RecruitingAsync();
        var csv = new StringBuilder()
            .Append("student_number,display_name,identity_number,college_mentor,enterprise_mentor\r\n")
            .Append($"D001,Learner One,{Identities.New()},,\r\n")
            .Append($"D002,Learner\0Two,{Identities.New()},,\r\n")
            .Append($"D003,Learner Three,{Identities.New()},,Master\u001bWang\r\n")
            .ToString();

        using var response = await fixture.Service.Http.SendAsync(CsvRequest(cohort.Name, csv), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(json.RootElement.GetProperty("rolledBack").GetBoolean());
        var errors = json.RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(3, "display_name"), (4, "enterprise_mentor")], errors);
        Assert.Equal(0, await EnrolmentCountAsync(cohort.Name));
    }

    [Fact]
    public async Task CsvUpload_ByteOrderMarkAndBlankLines_ReadAsWrittenWithTheirLines()
    {
        // As a spreadsheet saves it: a UTF-8 byte order mark, CRLF line ends, a blank line, the header in another case.
        var cohort = await _as.RecruitingAsync();
        var text = new StringBuilder()
            .Append("Student_Number,Display_Name,Identity_Number\r\n")
            .Append($"B001,Learner One,{Identities.New()}\r\n")
            .Append("\r\n")
            .Append($"B002,Learner Two,{Identities.Wrong(Identities.New())}\r\n")
            .Append($"B003,Learner Three,{Identities.New()}\r\n")
            .ToString();
        var request = CsvRequest(cohort.Name, "", "?allow_partial=true");
        request.Content = new ByteArrayContent([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");

        using var response = await fixture.Service.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(3, json.RootElement.GetProperty("rowsReceived").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("rowsImported").GetInt32());
        var error = json.RootElement.GetProperty("errors").EnumerateArray().Single();
        Assert.Equal((2, 4, "identity_number"), (error.GetProperty("row").GetInt32(), error.GetProperty("line").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Equal(["B001", "B003"], (await _as.EnrolmentsAsync(cohort.Name)).Select(e => e.StudentNumber).Order());
    }

    [Fact]
    public async Task CsvUpload_MissingColumnOrNotCsvOrNoToken_Refused()
    {
        var cohort = await _as.RecruitingAsync();
        using var missing = await fixture.Service.Http.SendAsync(CsvRequest(cohort.Name, "student_number,display_name\r\nA1,Someone\r\n"),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("identity_number", await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        var notCsv = CsvRequest(cohort.Name, "{}");
        notCsv.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var wrongType = await fixture.Service.Http.SendAsync(notCsv, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);

        var anonymous = CsvRequest(cohort.Name, "student_number\r\n");
        anonymous.Headers.Authorization = null;
        using var unauthenticated = await fixture.Service.Http.SendAsync(anonymous, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);

        var outsider = CsvRequest(cohort.Name, "student_number,display_name,identity_number\r\n");
        outsider.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.For(_as.Outsider, "enterprise"));
        using var notFound = await fixture.Service.Http.SendAsync(outsider, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
    }

    [Fact]
    public async Task Import_100000Rows_OneCall_ReportsRate_AndComparesWithRawCopy()
    {
        const int count = 100_000;
        var cohort = await _as.RecruitingAsync(seats: count, commitment: 1000);
        IEnumerable<RosterRow> Generate(string prefix)
        {
            for (var i = 0; i < count; i++)
            {
                yield return new RosterRow
                {
                    StudentNumber = $"{prefix}{i:D6}", DisplayName = $"Learner {i}", IdentityNumber = IdentityNumber.Complete($"4313{i + 1:D13}"),
                    CollegeMentor = "Teacher Zhang",
                };
            }
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        // The service runs in this process: sample the managed heap while the import runs for its peak.
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(5, CancellationToken.None);
            }
        }, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var response = await Actors.ImportAsync(_as.CollegeClient, cohort.Name, Generate("B"), batch: 1000);
        clock.Stop();
        await sampling.CancelAsync();
        await sampler;
        Assert.Equal(count, response.RowsImported);
        Assert.Equal(count, await EnrolmentCountAsync(cohort.Name));
        var importRate = count / clock.Elapsed.TotalSeconds;

        // The same rows straight into the same table with a raw binary COPY (hashes computed the same way).
        var other = await _as.RecruitingAsync(seats: count, commitment: 1000);
        var otherId = Guid.Parse(other.Name["cohorts/".Length..]);
        var hasher = new IdentityHasher(CohortsFixture.IdentityKey);
        await using var connection = fixture.Connect();
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var raw = Stopwatch.StartNew();
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY enrolments (id, cohort_id, college_code, student_number, display_name, identity_hash, identity_last4, state, college_mentor, enterprise_mentor, sponsor_code) FROM STDIN (FORMAT BINARY)",
            TestContext.Current.CancellationToken))
        {
            foreach (var row in Generate("R"))
            {
                await copy.StartRowAsync(TestContext.Current.CancellationToken);
                await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, TestContext.Current.CancellationToken);
                await copy.WriteAsync(otherId, NpgsqlDbType.Uuid, TestContext.Current.CancellationToken);
                await copy.WriteAsync(_as.College, NpgsqlDbType.Text, TestContext.Current.CancellationToken);
                await copy.WriteAsync(row.StudentNumber, NpgsqlDbType.Text, TestContext.Current.CancellationToken);
                await copy.WriteAsync(row.DisplayName, NpgsqlDbType.Text, TestContext.Current.CancellationToken);
                await copy.WriteAsync(hasher.Hash(row.IdentityNumber), NpgsqlDbType.Bytea, TestContext.Current.CancellationToken);
                await copy.WriteAsync(row.IdentityNumber[^4..], NpgsqlDbType.Text, TestContext.Current.CancellationToken);
                await copy.WriteAsync((short)1, NpgsqlDbType.Smallint, TestContext.Current.CancellationToken);
                await copy.WriteAsync(row.CollegeMentor, NpgsqlDbType.Text, TestContext.Current.CancellationToken);
                await copy.WriteAsync("", NpgsqlDbType.Text, TestContext.Current.CancellationToken);
                await copy.WriteAsync(_as.Sponsor, NpgsqlDbType.Text, TestContext.Current.CancellationToken);
            }
            await copy.CompleteAsync(TestContext.Current.CancellationToken);
        }
        raw.Stop();
        var rawRate = count / raw.Elapsed.TotalSeconds;
        var after = GC.GetTotalMemory(forceFullCollection: false);

        TestContext.Current.TestOutputHelper!.WriteLine(
            $"ImportEnrolments (gRPC stream, validate + HMAC + in-memory conflict check + COPY into enrolments): {count:N0} rows in {clock.Elapsed.TotalSeconds:F2} s = {importRate:N0} rows/s");
        TestContext.Current.TestOutputHelper.WriteLine(
            $"Raw binary COPY of the same rows into enrolments: {count:N0} rows in {raw.Elapsed.TotalSeconds:F2} s = {rawRate:N0} rows/s");
        TestContext.Current.TestOutputHelper.WriteLine(
            $"Managed heap before / peak during the import / after (test process, incl. service and client): {before / 1048576} MB / {peak / 1048576} MB / {after / 1048576} MB");
        Console.WriteLine($"[import-benchmark] import {clock.Elapsed.TotalSeconds:F2} s {importRate:N0} rows/s; raw COPY {raw.Elapsed.TotalSeconds:F2} s {rawRate:N0} rows/s; " +
            $"ratio {importRate / rawRate:P0}; managed heap peak during the import {peak / 1048576} MB (before {before / 1048576} MB)");
    }
}
