using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Identity;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Npgsql;
using NpgsqlTypes;

namespace Collaboration.Bench;

/// <summary>
/// Scenario 5: one roster of N learners through ImportEnrolments (one client stream, batches of 1,000 rows)
/// into a cohort taken to open recruitment, then the same rows (other student numbers, same people) by raw
/// binary COPY straight into the same enrolments table for a second cohort of the same college — the
/// ceiling the import is held to (or the COPY first, with --copy-first). Each run uses a new college, so earlier runs'
/// learners do not count.
/// </summary>
public static class Import
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    public static async Task<int> RunAsync(Options options)
    {
        var rows = (int)options.Number("rows");
        var seed = (int)options.Number("seed");
        var auth = new AuthOptions { SigningKey = options.Get("key") };
        var identityKey = Convert.FromBase64String(options.Get("identity-key"));
        var college = Shared.Validation.CreditCode.Complete("12431300" + seed.ToString("D8", CultureInfo.InvariantCulture));
        var sponsor = Commands.CreditCode(seed);
        string Token(string sub, string? org, string? kind, string role) =>
            JwtAuthentication.MintToken(auth, sub, org, kind, role, TimeSpan.FromHours(1));

        using var channel = GrpcChannel.ForAddress(options.Get("url"), new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
        CohortService.CohortServiceClient Client(string token) =>
            new(channel.Intercept(m => { m.Add("authorization", $"Bearer {token}"); return m; }));
        var collegeClient = Client(Token("bench-college", college, "vocational_college", "owner"));
        var sponsorClient = Client(Token("bench-sponsor", sponsor, "enterprise", "owner"));
        var admin = Client(Token("bench-admin", null, null, "admin"));

        async Task<Cohort> RecruitingAsync()
        {
            var created = await collegeClient.CreateCohortAsync(new CreateCohortRequest
            {
                Cohort = new Cohort
                {
                    Kind = Cohort.Types.Kind.OrderClass,
                    DisplayName = $"Bench order class {Guid.NewGuid():N}"[..30],
                    College = new Organization { CreditCode = college, Name = "Bench Vocational College", Kind = OrganizationKind.VocationalCollege },
                    MajorCode = "460103",
                    OccupationCode = "6-18-01-01",
                    IndustryChain = "advanced-equipment",
                    Seats = rows,
                    PlacementCommitment = Math.Min(rows, 1000),
                    StartDate = new Google.Type.Date { Year = 2026, Month = 9, Day = 1 },
                    EndDate = new Google.Type.Date { Year = 2028, Month = 6, Day = 30 },
                    Sponsors = { new Sponsor { Organization = new Organization { CreditCode = sponsor, Name = "Bench Hydraulics Co." } } },
                },
            });
            await collegeClient.SubmitCohortAsync(new SubmitCohortRequest { Name = created.Name });
            await sponsorClient.ConfirmCohortAsync(new ConfirmCohortRequest { Name = created.Name });
            await admin.ApproveCohortAsync(new ApproveCohortRequest { Name = created.Name });
            return await collegeClient.OpenCohortRecruitmentAsync(new OpenCohortRecruitmentRequest { Name = created.Name });
        }

        IEnumerable<RosterRow> Roster(string prefix)
        {
            for (var i = 0; i < rows; i++)
            {
                yield return new RosterRow
                {
                    StudentNumber = string.Create(CultureInfo.InvariantCulture, $"{prefix}{i:D7}"),
                    DisplayName = string.Create(CultureInfo.InvariantCulture, $"Learner {i}"),
                    IdentityNumber = IdentityNumber(string.Create(CultureInfo.InvariantCulture, $"4313{seed % 1000:D3}{i:D10}")),
                    CollegeMentor = "Teacher Zhang",
                };
            }
        }

        // The import, as a client streams it.
        async Task<TimeSpan?> ImportAsync()
        {
            var cohort = await RecruitingAsync();
            var clock = Stopwatch.StartNew();
            using (var call = collegeClient.ImportEnrolments(deadline: DateTime.UtcNow.AddMinutes(10)))
            {
                await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest
                {
                    Header = new ImportEnrolmentsRequest.Types.Header { Parent = cohort.Name, RequestId = Guid.NewGuid().ToString() },
                });
                var batch = new RosterRows();
                foreach (var row in Roster("B"))
                {
                    batch.Rows.Add(row);
                    if (batch.Rows.Count == 1000)
                    {
                        await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Rows = batch });
                        batch = new RosterRows();
                    }
                }
                if (batch.Rows.Count > 0)
                {
                    await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Rows = batch });
                }
                await call.RequestStream.CompleteAsync();
                var response = await call.ResponseAsync;
                clock.Stop();
                if (response.RowsImported != rows)
                {
                    Console.Error.WriteLine($"the import wrote {response.RowsImported} of {rows} rows ({response.RowsRejected} rejected, first error: "
                        + $"{response.Errors.FirstOrDefault()?.Reason})");
                    return null;
                }
            }
            return clock.Elapsed;
        }

        // The same people by raw binary COPY into the same table, for a second cohort of the same college.
        async Task<TimeSpan> CopyAsync()
        {
            var other = await RecruitingAsync();
            var otherId = Guid.Parse(other.Name["cohorts/".Length..]);
            await using var connection = new NpgsqlConnection(options.Get("conn"));
            await connection.OpenAsync();
            var raw = Stopwatch.StartNew();
            // Synchronous writes: Npgsql buffers them, so the client is not what limits the ceiling.
            using (var copy = connection.BeginBinaryImport(
                "COPY enrolments (id, cohort_id, college_code, student_number, display_name, identity_hash, identity_last4, state, college_mentor, enterprise_mentor, sponsor_code) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var row in Roster("R"))
                {
                    copy.StartRow();
                    copy.Write(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                    copy.Write(otherId, NpgsqlDbType.Uuid);
                    copy.Write(college, NpgsqlDbType.Text);
                    copy.Write(row.StudentNumber, NpgsqlDbType.Text);
                    copy.Write(row.DisplayName, NpgsqlDbType.Text);
                    copy.Write(HMACSHA256.HashData(identityKey, Encoding.ASCII.GetBytes(row.IdentityNumber)), NpgsqlDbType.Bytea);
                    copy.Write(row.IdentityNumber[^4..], NpgsqlDbType.Text);
                    copy.Write((short)1, NpgsqlDbType.Smallint);
                    copy.Write(row.CollegeMentor, NpgsqlDbType.Text);
                    copy.Write("", NpgsqlDbType.Text);
                    copy.Write(sponsor, NpgsqlDbType.Text);
                }
                copy.Complete();
            }
            raw.Stop();
            return raw.Elapsed;
        }

        // Which goes first alternates between runs (--copy-first): the second writer meets a table the first just grew.
        TimeSpan? imported;
        TimeSpan copied;
        if (options.Has("copy-first"))
        {
            copied = await CopyAsync();
            imported = await ImportAsync();
        }
        else
        {
            imported = await ImportAsync();
            copied = await CopyAsync();
        }
        if (imported is not { } importTime)
        {
            return 1;
        }

        Output.Value("rows", rows);
        Output.Value("import_s", importTime.TotalSeconds);
        Output.Value("import_rows_per_s", rows / importTime.TotalSeconds);
        Output.Value("copy_s", copied.TotalSeconds);
        Output.Value("copy_rows_per_s", rows / copied.TotalSeconds);
        return 0;
    }

    /// <summary>A valid resident identity number (GB 11643) from 17 digits.</summary>
    private static string IdentityNumber(string first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }
        return first17 + "10X98765432"[sum % 11];
    }
}
