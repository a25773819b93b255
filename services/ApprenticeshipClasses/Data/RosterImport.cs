using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Dapper;
using Google.Protobuf;
using Npgsql;
using NpgsqlTypes;

namespace Collaboration.Apprenticeships.Data;

/// <summary>What the first message (or the URL and query of a CSV upload) says about an import.</summary>
public sealed record ImportHeader(Guid CohortId, string RequestId, bool AllowPartial);

/// <summary>One roster row as read; <see cref="Line"/> is the CSV line the record starts on (0 over gRPC).</summary>
public sealed record RosterInput(int Row, int Line, string StudentNumber, string DisplayName, string IdentityNumber,
    string CollegeMentor, string EnterpriseMentor);

/// <summary>
/// The roster import both the gRPC stream and the CSV upload use. Rows are validated one by one as
/// they arrive and written straight into a binary COPY to a temporary staging table, so memory holds
/// only the bad-row reports and the student numbers and identity hashes seen so far (for duplicates
/// inside the roster). One set-based statement then finds conflicts with existing learners and one
/// merges the rest (INSERT … SELECT … ON CONFLICT DO NOTHING). Atomic unless allow_partial; a
/// learner already enrolled with the same student and identity number is skipped, never duplicated.
/// </summary>
public sealed class RosterImport(NpgsqlDataSource dataSource, IdentityHasher hasher, ResourceCache cache, GrantChecker grants)
{
    public const string Method = "ImportEnrolments";
    public const int MaxReportedErrors = 10_000;
    public const int MaxStudentNumberLength = 32;
    public const int MaxPersonNameLength = 100;

    private const string CreateStaging =
        """
        CREATE TEMP TABLE roster_staging (
            id uuid NOT NULL, row_number integer NOT NULL, line_number integer NOT NULL, student_number text NOT NULL,
            display_name text NOT NULL, identity_hash bytea NOT NULL, identity_last4 text NOT NULL,
            college_mentor text NOT NULL, enterprise_mentor text NOT NULL
        ) ON COMMIT DROP
        """;

    private const string CopyStaging =
        "COPY roster_staging (id, row_number, line_number, student_number, display_name, identity_hash, identity_last4, college_mentor, enterprise_mentor) FROM STDIN (FORMAT BINARY)";

    // Rows that clash with learners already enrolled: the student number is taken in the college by
    // someone else (or in another cohort), or the person is already in this cohort under another number.
    private const string FindConflicts =
        """
        SELECT s.row_number, s.line_number, 'student_number' AS field,
               CASE WHEN e.cohort_id <> @cohortId THEN 'is already enrolled in another cohort of the college.'
                    ELSE 'is already used by a different learner in this cohort.' END AS reason
        FROM roster_staging s JOIN enrolments e ON e.college_code = @college AND e.student_number = s.student_number
        WHERE NOT (e.cohort_id = @cohortId AND e.identity_hash = s.identity_hash)
        UNION ALL
        SELECT s.row_number, s.line_number, 'identity_number', 'this learner is already enrolled in this cohort under another student number.'
        FROM roster_staging s JOIN enrolments e ON e.cohort_id = @cohortId AND e.identity_hash = s.identity_hash
        WHERE e.student_number <> s.student_number
        ORDER BY 1
        """;

    private const string Merge =
        """
        INSERT INTO enrolments (id, cohort_id, college_code, student_number, display_name, identity_hash, identity_last4, state,
            college_mentor, enterprise_mentor, sponsor_code)
        SELECT s.id, @cohortId, @college, s.student_number, s.display_name, s.identity_hash, s.identity_last4, @state,
               s.college_mentor, s.enterprise_mentor, @sponsor
        FROM roster_staging s
        WHERE NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.college_code = @college AND e.student_number = s.student_number)
          AND NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.cohort_id = @cohortId AND e.identity_hash = s.identity_hash)
        ORDER BY s.id
        ON CONFLICT DO NOTHING
        """;

    /// <summary>
    /// Runs one import. <paramref name="authorization"/> is the caller's Authorization header, used only to ask the identity
    /// service whether the college granted the caller's organisation rights on the cohort (a grantee sees the cohort, so it
    /// is refused with PERMISSION_DENIED rather than NOT_FOUND; the roster stays the college's).
    /// </summary>
    public async Task<ImportEnrolmentsResponse> ImportAsync(Caller caller, string authorization, ImportHeader header,
        IAsyncEnumerable<RosterInput> rows, CancellationToken cancellationToken)
    {
        var cohortName = CohortNames.Cohort(header.CohortId);
        Guid? requestId = string.IsNullOrEmpty(header.RequestId) ? null : Guid.Parse(header.RequestId);
        using var fingerprint = new Fingerprint(caller, header);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (requestId is { } earlierId
            && await connection.QuerySingleOrDefaultAsync<EarlierRequest>(
                "SELECT method, fingerprint, response FROM request_ids WHERE request_id = @earlierId", new { earlierId }) is { } earlier)
        {
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                fingerprint.Add(row);
            }
            return Replay(earlier, fingerprint.Finish());
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var cohort = await CohortStore.LockAsync(connection, transaction, header.CohortId);
        if (cohort is null || !(CohortAccess.CanRead(caller, cohort.CollegeCode, cohort.AllSponsorCodes)
                || GrantChecker.CanRead(await grants.RoleOnAsync(caller, BearerToken(authorization), cohortName, cohort.CollegeCode, cancellationToken))))
        {
            ApiErrors.NotFound(cohortName);
        }
        if (!caller.CanEditFor(cohort.CollegeCode))
        {
            ApiErrors.PermissionDenied($"Only an owner or editor of the college imports the roster of {cohortName}.");
        }
        if (!CohortLifecycle.AcceptsEnrolments(cohort.CohortState))
        {
            ApiErrors.InvalidState(cohortName, Method, cohort.CohortState.ToString());
        }

        var report = new Report();
        await connection.ExecuteAsync(CreateStaging, transaction: transaction);
        var staged = 0;
        await using (var copy = await connection.BeginBinaryImportAsync(CopyStaging, cancellationToken))
        {
            var seenNumbers = new Dictionary<string, int>(StringComparer.Ordinal);
            var seenPeople = new Dictionary<UInt128, int>();
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                report.Received++;
                fingerprint.Add(row);
                var errorsBefore = report.Count;
                var studentNumber = row.StudentNumber.Trim();
                var displayName = row.DisplayName.Trim();
                var collegeMentor = row.CollegeMentor.Trim();
                var enterpriseMentor = row.EnterpriseMentor.Trim();
                if (CheckStudentNumber(studentNumber) is { } numberProblem)
                {
                    report.Add(row, "student_number", numberProblem);
                }
                else if (seenNumbers.TryGetValue(studentNumber, out var firstRow))
                {
                    report.Add(row, "student_number", $"duplicates row {firstRow} of this roster.");
                }
                else
                {
                    seenNumbers[studentNumber] = row.Row;
                }
                CheckText(report, row, "display_name", displayName, MaxPersonNameLength, required: true);
                CheckText(report, row, "college_mentor", collegeMentor, MaxPersonNameLength, required: false);
                CheckText(report, row, "enterprise_mentor", enterpriseMentor, MaxPersonNameLength, required: false);
                byte[]? hash = null;
                if (IdentityNumber.Check(row.IdentityNumber.Trim()) is { } identityProblem)
                {
                    report.Add(row, "identity_number", identityProblem);
                }
                else
                {
                    hash = hasher.Hash(IdentityNumber.Normalize(row.IdentityNumber));
                    var person = BinaryPrimitives.ReadUInt128LittleEndian(hash);
                    if (seenPeople.TryGetValue(person, out var firstPersonRow))
                    {
                        report.Add(row, "identity_number", $"the same learner is in row {firstPersonRow} of this roster.");
                    }
                    else
                    {
                        seenPeople[person] = row.Row;
                    }
                }
                if (report.Count != errorsBefore)
                {
                    report.RejectedRows++;
                    continue;
                }

                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, cancellationToken);
                await copy.WriteAsync(row.Row, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(row.Line, NpgsqlDbType.Integer, cancellationToken);
                await copy.WriteAsync(studentNumber, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(displayName, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(hash!, NpgsqlDbType.Bytea, cancellationToken);
                await copy.WriteAsync(IdentityNumber.LastFour(IdentityNumber.Normalize(row.IdentityNumber)), NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(collegeMentor, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(enterpriseMentor, NpgsqlDbType.Text, cancellationToken);
                staged++;
            }
            await copy.CompleteAsync(cancellationToken);
        }

        var arguments = new
        {
            cohortId = cohort.Id,
            college = cohort.CollegeCode,
            sponsor = cohort.Sponsors.Where(s => s.LeftDate is null).OrderBy(s => s.JoinedDate).Select(s => s.CreditCode).FirstOrDefault() ?? "",
            state = (short)Enrolment.Types.State.WaitingToStart,
        };
        var conflicting = 0;
        if (staged > 0)
        {
            await connection.ExecuteAsync("ANALYZE roster_staging", transaction: transaction);
            var lastRow = 0;
            await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(FindConflicts, arguments, transaction,
                cancellationToken: cancellationToken));
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = reader.GetInt32(0);
                report.Add(row, reader.GetInt32(1), reader.GetString(2), reader.GetString(3));
                if (row != lastRow)
                {
                    conflicting++;
                    lastRow = row;
                }
            }
        }
        report.RejectedRows += conflicting;

        var response = report.ToResponse();
        if (report.Count > 0 && !header.AllowPartial)
        {
            // Atomic by default: nothing is written, not even the request id, so the fixed roster can be sent again.
            await transaction.RollbackAsync(cancellationToken);
            response.RolledBack = true;
            return response;
        }

        var imported = staged == 0 ? 0 : await connection.ExecuteAsync(new CommandDefinition(Merge, arguments, transaction, cancellationToken: cancellationToken));
        response.RowsImported = imported;
        response.RowsAlreadyEnrolled = staged - conflicting - imported;
        if (imported > 0)
        {
            var enrolled = await CohortStore.CountEnrolledAsync(connection, transaction, cohort.Id);
            if (enrolled > cohort.Seats)
            {
                ApiErrors.FailedPrecondition("SEATS_EXCEEDED",
                    $"{cohortName} has {cohort.Seats} seats; this roster would enrol {enrolled} learners. Nothing was imported.");
            }
            await CohortStore.TouchAsync(connection, transaction, cohort.Id);
        }
        if (requestId is { } id)
        {
            var claimed = await connection.ExecuteAsync(
                "INSERT INTO request_ids (request_id, method, fingerprint, response) VALUES (@id, @Method, @fingerprint, @response) ON CONFLICT (request_id) DO NOTHING",
                new { id, Method, fingerprint = fingerprint.Finish(), response = response.ToByteArray() }, transaction);
            if (claimed == 0)
            {
                // A concurrent retry with the same id committed first: its answer stands.
                await transaction.RollbackAsync(cancellationToken);
                var first = await connection.QuerySingleAsync<EarlierRequest>(
                    "SELECT method, fingerprint, response FROM request_ids WHERE request_id = @id", new { id });
                return Replay(first, fingerprint.Finish());
            }
        }
        await AuditLog.WriteAsync(connection, transaction, caller, cohortName, cohortName, Method,
            cohort.CohortState.ToString(), cohort.CohortState.ToString(),
            $"{response.RowsReceived} rows: {imported} imported, {response.RowsAlreadyEnrolled} already enrolled, {response.RowsRejected} rejected");
        await transaction.CommitAsync(cancellationToken);
        await cache.InvalidateAsync(CohortCache.Key(cohort.Id));
        return response;
    }

    private static string? BearerToken(string header) =>
        header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;

    private sealed record EarlierRequest(string Method, byte[] Fingerprint, byte[]? Response);

    private static ImportEnrolmentsResponse Replay(EarlierRequest earlier, byte[] fingerprint)
    {
        if (earlier.Method != Method || !earlier.Fingerprint.AsSpan().SequenceEqual(fingerprint) || earlier.Response is null)
        {
            ApiErrors.InvalidArgument("request_id", "was already used for a different request; use a new UUID for a new request.");
        }
        return ImportEnrolmentsResponse.Parser.ParseFrom(earlier.Response);
    }

    public static string? CheckStudentNumber(string value)
    {
        if (value.Length == 0)
        {
            return "is required.";
        }
        if (value.Length > MaxStudentNumberLength)
        {
            return $"must be at most {MaxStudentNumberLength} characters (got {value.Length}).";
        }
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return "may hold only letters, digits and '-'.";
            }
        }
        return null;
    }

    private static void CheckText(Report report, RosterInput row, string field, string value, int maxLength, bool required)
    {
        if (value.Length == 0 && required)
        {
            report.Add(row, field, "is required.");
        }
        else if (value.Length > maxLength)
        {
            report.Add(row, field, $"must be at most {maxLength} characters (got {value.Length}).");
        }
    }

    /// <summary>The bad-row reports: all of them counted, the first MaxReportedErrors kept.</summary>
    private sealed class Report
    {
        private readonly List<ImportError> _errors = [];
        public int Count { get; private set; }
        public int Received { get; set; }
        public int RejectedRows { get; set; }

        public void Add(RosterInput row, string field, string reason) => Add(row.Row, row.Line, field, reason);

        public void Add(int row, int line, string field, string reason)
        {
            Count++;
            if (_errors.Count < MaxReportedErrors)
            {
                _errors.Add(new ImportError { Row = row, Line = line, Field = field, Reason = reason });
            }
        }

        public ImportEnrolmentsResponse ToResponse()
        {
            var response = new ImportEnrolmentsResponse
            {
                RowsReceived = Received, RowsRejected = RejectedRows, ErrorsTruncated = Count > _errors.Count,
            };
            response.Errors.AddRange(_errors.OrderBy(e => e.Row));
            return response;
        }
    }

    /// <summary>What makes two imports "the same request": caller, cohort, mode and every row, in order.</summary>
    private sealed class Fingerprint : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[]? _result;

        public Fingerprint(Caller caller, ImportHeader header) =>
            Append($"{Method}\u001f{caller.Subject}\u001f{caller.Organization}\u001f{header.CohortId:D}\u001f{header.AllowPartial}\u001e");

        public void Add(RosterInput row) =>
            Append($"{row.StudentNumber}\u001f{row.DisplayName}\u001f{row.IdentityNumber}\u001f{row.CollegeMentor}\u001f{row.EnterpriseMentor}\u001e");

        private void Append(string text) => _hash.AppendData(Encoding.UTF8.GetBytes(text));

        public byte[] Finish() => _result ??= _hash.GetHashAndReset();

        public void Dispose() => _hash.Dispose();
    }
}

/// <summary>The cache key of a cohort, shared by the gRPC service and the import.</summary>
public static class CohortCache
{
    public static string Key(Guid id) => $"cohort:{id:D}";
}
