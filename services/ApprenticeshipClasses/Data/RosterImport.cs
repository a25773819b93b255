using System.Buffers;
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
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using NpgsqlTypes;

namespace Collaboration.Apprenticeships.Data;

/// <summary>What the first message (or the URL and query of a CSV upload) says about an import.</summary>
public sealed record ImportHeader(Guid CohortId, string RequestId, bool AllowPartial);

/// <summary>One roster row as read; <see cref="Line"/> is the CSV line the record starts on (0 over gRPC).</summary>
public sealed record RosterInput(int Row, int Line, string StudentNumber, string DisplayName, string IdentityNumber,
    string CollegeMentor, string EnterpriseMentor);

/// <summary>
/// The roster import both the gRPC stream and the CSV upload use. Each row is written once, straight into
/// <c>enrolments</c> with one binary COPY, inside one transaction that holds the cohort row locked (FOR UPDATE).
/// <para>
/// Before the first row is read, the keys that can clash with the roster are loaded into memory: the student
/// numbers already used in the college (with their cohort and identity hash) and the identity hashes already in
/// this cohort (with their student number). Each row is then validated as it arrives, checked against the
/// roster's own earlier rows (duplicates) and against those keys: a learner already enrolled in this cohort with
/// the same student and identity number is skipped (rows_already_enrolled), never duplicated; a clash is reported
/// (student number taken by someone else, in this cohort or another of the college; the person enrolled here under
/// another number); every other row goes into the COPY. Atomic unless allow_partial: with a bad row, nothing is
/// written, not even the request id (the COPY stops at the first bad row and the transaction is rolled back).
/// </para>
/// <para>
/// Memory: one dictionary entry per learner already enrolled in the college (student number, cohort flag,
/// 32-byte identity hash) and per learner of this cohort (identity hash, student number), plus one per roster row
/// for the duplicate checks (student number, 128 bits of the identity hash), plus the first
/// <see cref="MaxReportedErrors"/> bad-row reports. Rows themselves are never held: each one goes to the COPY
/// buffer as it is read.
/// </para>
/// <para>
/// Another cohort of the same college may enrol one of the roster's student numbers after the keys were loaded
/// (the cohort lock does not cover other cohorts). The unique index then refuses the COPY; the import answers
/// ABORTED (CONCURRENT_ENROLMENT) with nothing written, and the roster is to be sent again.
/// </para>
/// </summary>
public sealed class RosterImport(NpgsqlDataSource dataSource, IdentityHasher hasher, ResourceCache cache, GrantChecker grants)
{
    public const string Method = "ImportEnrolments";
    public const int MaxReportedErrors = 10_000;
    public const int MaxStudentNumberLength = 32;
    public const int MaxPersonNameLength = 100;

    /// <summary>The enrolment state "withdrawn", which does not take a seat (as in CohortStore.CountEnrolledAsync).</summary>
    private const short Withdrawn = 4;

    // Every learner whose key can clash with a roster row: the college's student numbers and this cohort's people.
    private const string LoadExisting =
        "SELECT college_code, cohort_id, student_number, identity_hash, state FROM enrolments WHERE college_code = @college OR cohort_id = @cohortId";

    private const string CopyEnrolments =
        """
        COPY enrolments (id, cohort_id, college_code, student_number, display_name, identity_hash, identity_last4, state,
            college_mentor, enterprise_mentor, sponsor_code) FROM STDIN (FORMAT BINARY)
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

        var sponsor = cohort.Sponsors.Where(s => s.LeftDate is null).OrderBy(s => s.JoinedDate).Select(s => s.CreditCode).FirstOrDefault() ?? "";
        var existing = await ExistingKeys.LoadAsync(connection, transaction, cohort.CollegeCode, cohort.Id, cancellationToken);
        using var hashing = hasher.StartSession();
        var report = new Report();
        var imported = 0;
        var alreadyEnrolled = 0;
        try
        {
            var stream = await connection.BeginRawBinaryCopyAsync(CopyEnrolments, cancellationToken);
            using var copy = new EnrolmentCopy(stream);
            var completed = false;
            try
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
                    string? identity = null;
                    if (IdentityNumber.Check(row.IdentityNumber.Trim()) is { } identityProblem)
                    {
                        report.Add(row, "identity_number", identityProblem);
                    }
                    else
                    {
                        identity = IdentityNumber.Normalize(row.IdentityNumber);
                        hash = hashing.Hash(identity);
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

                    // Against the learners already enrolled: the student number is taken in the college by someone else (or in
                    // another cohort), or the person is already in this cohort under another number.
                    var numberTaken = existing.Numbers.TryGetValue(studentNumber, out var holder);
                    var personEnrolled = existing.People.TryGetValue(hash!, out var enrolledAs);
                    if (numberTaken && !(holder.InThisCohort && holder.IdentityHash.AsSpan().SequenceEqual(hash)))
                    {
                        report.Add(row, "student_number", holder.InThisCohort
                            ? "is already used by a different learner in this cohort."
                            : "is already enrolled in another cohort of the college.");
                    }
                    if (personEnrolled && !string.Equals(enrolledAs, studentNumber, StringComparison.Ordinal))
                    {
                        report.Add(row, "identity_number", "this learner is already enrolled in this cohort under another student number.");
                    }
                    if (report.Count != errorsBefore)
                    {
                        report.RejectedRows++;
                        continue;
                    }
                    if (numberTaken || personEnrolled)
                    {
                        alreadyEnrolled++; // the same learner under the same number: skipped, never duplicated
                        continue;
                    }

                    imported++;
                    if ((report.Count > 0 && !header.AllowPartial) || existing.SeatsTaken + imported > cohort.Seats)
                    {
                        continue; // this import ends rolled back or refused: nothing more to write
                    }
                    await copy.AddAsync(Guid.CreateVersion7(), cohort.Id, cohort.CollegeCode, studentNumber, displayName, hash!,
                        IdentityNumber.LastFour(identity!), (short)Enrolment.Types.State.WaitingToStart, collegeMentor, enterpriseMentor, sponsor,
                        cancellationToken);
                }
                completed = true;
                await copy.CompleteAsync(cancellationToken);
            }
            finally
            {
                if (!completed)
                {
                    // The roster stream failed (or was cancelled): abandon the COPY rather than end it; the transaction rolls back.
                    await stream.CancelAsync();
                }
            }
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected)
        {
            // Another cohort of the college enrolled one of these student numbers after the keys were loaded. The stream
            // cannot be read twice, so the whole import is refused (the transaction rolls back) and is to be sent again.
            throw new Google.Rpc.Status
            {
                Code = (int)Google.Rpc.Code.Aborted,
                Message = $"Another enrolment into a cohort of college {cohort.CollegeCode} ran at the same time and took some of this roster's " +
                    "student numbers; nothing was imported. Send the roster again.",
                Details = { Any.Pack(new ErrorInfo { Reason = "CONCURRENT_ENROLMENT", Domain = ApiErrors.ErrorDomain }) },
            }.ToRpcException();
        }

        var response = report.ToResponse();
        if (report.Count > 0 && !header.AllowPartial)
        {
            // Atomic by default: nothing is written, not even the request id, so the fixed roster can be sent again.
            await transaction.RollbackAsync(cancellationToken);
            response.RolledBack = true;
            return response;
        }

        response.RowsImported = imported;
        response.RowsAlreadyEnrolled = alreadyEnrolled;
        if (imported > 0)
        {
            // No other write reaches this cohort's enrolments while its row is locked, so the count loaded with the keys holds.
            var enrolled = existing.SeatsTaken + imported;
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

    /// <summary>
    /// The keys of the learners already enrolled that a roster row can clash with, loaded once per import while the
    /// cohort is locked: the college's student numbers and this cohort's people, and how many of this cohort's learners
    /// take a seat.
    /// </summary>
    private sealed class ExistingKeys
    {
        /// <summary>A student number used in the college: by a learner of this cohort or not, and which person.</summary>
        public Dictionary<string, (bool InThisCohort, byte[] IdentityHash)> Numbers { get; } = new(StringComparer.Ordinal);

        /// <summary>A person in this cohort (identity hash) and the student number they are enrolled under.</summary>
        public Dictionary<byte[], string> People { get; } = new(IdentityHashComparer.Instance);

        /// <summary>This cohort's learners that are not withdrawn.</summary>
        public int SeatsTaken { get; private set; }

        public static async Task<ExistingKeys> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string college,
            Guid cohortId, CancellationToken cancellationToken)
        {
            var keys = new ExistingKeys();
            await using var command = new NpgsqlCommand(LoadExisting, connection, transaction);
            command.Parameters.AddWithValue("college", college);
            command.Parameters.AddWithValue("cohortId", cohortId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var inThisCohort = reader.GetGuid(1) == cohortId;
                var studentNumber = reader.GetString(2);
                var identityHash = reader.GetFieldValue<byte[]>(3);
                if (reader.GetString(0) == college)
                {
                    keys.Numbers[studentNumber] = (inThisCohort, identityHash);
                }
                if (inThisCohort)
                {
                    keys.People[identityHash] = studentNumber;
                    if (reader.GetInt16(4) != Withdrawn)
                    {
                        keys.SeatsTaken++;
                    }
                }
            }
            return keys;
        }
    }

    /// <summary>
    /// Enrolment rows in PostgreSQL's binary COPY format (a header, then per row a field count and each field as a
    /// length and its bytes, then -1), gathered in a 64 KB buffer and sent to the raw COPY stream a buffer at a time:
    /// the same bytes the binary importer sends, without its per-value parameter binding.
    /// </summary>
    private sealed class EnrolmentCopy : IDisposable
    {
        private static readonly byte[] Signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0];
        private const short Fields = 11;
        private readonly NpgsqlRawCopyStream _stream;
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _used;

        public EnrolmentCopy(NpgsqlRawCopyStream stream)
        {
            _stream = stream;
            Signature.CopyTo(_buffer, 0);
            BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(Signature.Length), 0); // flags
            BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(Signature.Length + 4), 0); // header extension length
            _used = Signature.Length + 8;
        }

        public async ValueTask AddAsync(Guid id, Guid cohortId, string college, string studentNumber, string displayName, byte[] identityHash,
            string identityLast4, short state, string collegeMentor, string enterpriseMentor, string sponsor, CancellationToken cancellationToken)
        {
            var most = 2 + Fields * 4 + 16 + 16 + identityHash.Length + 2 + Encoding.UTF8.GetMaxByteCount(
                college.Length + studentNumber.Length + displayName.Length + identityLast4.Length + collegeMentor.Length + enterpriseMentor.Length + sponsor.Length);
            if (_used + most > _buffer.Length)
            {
                await FlushAsync(cancellationToken);
                if (most > _buffer.Length)
                {
                    throw new InvalidOperationException($"A roster row of up to {most} bytes does not fit the COPY buffer.");
                }
            }
            var row = _buffer.AsSpan(_used);
            BinaryPrimitives.WriteInt16BigEndian(row, Fields);
            var at = 2;
            at += Uuid(row[at..], id);
            at += Uuid(row[at..], cohortId);
            at += Text(row[at..], college);
            at += Text(row[at..], studentNumber);
            at += Text(row[at..], displayName);
            BinaryPrimitives.WriteInt32BigEndian(row[at..], identityHash.Length);
            identityHash.CopyTo(row[(at + 4)..]);
            at += 4 + identityHash.Length;
            at += Text(row[at..], identityLast4);
            BinaryPrimitives.WriteInt32BigEndian(row[at..], 2);
            BinaryPrimitives.WriteInt16BigEndian(row[(at + 4)..], state);
            at += 6;
            at += Text(row[at..], collegeMentor);
            at += Text(row[at..], enterpriseMentor);
            at += Text(row[at..], sponsor);
            _used += at;
        }

        private static int Uuid(Span<byte> span, Guid value)
        {
            BinaryPrimitives.WriteInt32BigEndian(span, 16);
            value.TryWriteBytes(span[4..], bigEndian: true, out _);
            return 20;
        }

        private static int Text(Span<byte> span, string value)
        {
            var length = Encoding.UTF8.GetBytes(value, span[4..]);
            BinaryPrimitives.WriteInt32BigEndian(span, length);
            return 4 + length;
        }

        private async ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            await _stream.WriteAsync(_buffer.AsMemory(0, _used), cancellationToken);
            _used = 0;
        }

        /// <summary>Sends the trailer and ends the COPY; a refusal by the database (a unique index) is thrown here.</summary>
        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (_used + 2 > _buffer.Length)
            {
                await FlushAsync(cancellationToken);
            }
            BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_used), -1);
            _used += 2;
            await FlushAsync(cancellationToken);
            await _stream.DisposeAsync();
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }

    private sealed class IdentityHashComparer : IEqualityComparer<byte[]>
    {
        public static readonly IdentityHashComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] value)
        {
            var hash = new HashCode();
            hash.AddBytes(value);
            return hash.ToHashCode();
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

    /// <summary>
    /// What makes two imports "the same request": caller, cohort, mode and every row, in order. The UTF-8 text is
    /// gathered in a 64 KB buffer and hashed a buffer at a time (the digest is that of the whole text).
    /// </summary>
    private sealed class Fingerprint : IDisposable
    {
        private const byte FieldSeparator = 0x1f;
        private const byte RecordSeparator = 0x1e;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _used;
        private byte[]? _result;

        public Fingerprint(Caller caller, ImportHeader header) =>
            Append($"{Method}\u001f{caller.Subject}\u001f{caller.Organization}\u001f{header.CohortId:D}\u001f{header.AllowPartial}\u001e");

        public void Add(RosterInput row)
        {
            Append(row.StudentNumber, FieldSeparator);
            Append(row.DisplayName, FieldSeparator);
            Append(row.IdentityNumber, FieldSeparator);
            Append(row.CollegeMentor, FieldSeparator);
            Append(row.EnterpriseMentor, RecordSeparator);
        }

        private void Append(string text, byte separator)
        {
            Append(text);
            if (_used == _buffer.Length)
            {
                Flush();
            }
            _buffer[_used++] = separator;
        }

        private void Append(string text)
        {
            var most = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (_used + most > _buffer.Length)
            {
                Flush();
                if (most > _buffer.Length)
                {
                    _hash.AppendData(Encoding.UTF8.GetBytes(text));
                    return;
                }
            }
            _used += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_used));
        }

        private void Flush()
        {
            _hash.AppendData(_buffer.AsSpan(0, _used));
            _used = 0;
        }

        public byte[] Finish()
        {
            if (_result is null)
            {
                Flush();
                _result = _hash.GetHashAndReset();
            }
            return _result;
        }

        public void Dispose()
        {
            _hash.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}

/// <summary>The cache key of a cohort, shared by the gRPC service and the import.</summary>
public static class CohortCache
{
    public static string Key(Guid id) => $"cohort:{id:D}";
}
