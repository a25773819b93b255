using System.Buffers.Binary;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Npgsql;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;

namespace Collaboration.Apprenticeships.Data;

/// <summary>What the first message (or the URL and query of a CSV upload) says about an import.</summary>
public sealed record ImportHeader(Guid CohortId, string RequestId, bool AllowPartial);

/// <summary>One roster row as read; <see cref="Line"/> is the CSV line the record starts on (0 over gRPC).</summary>
public sealed record RosterInput(int Row, int Line, string StudentNumber, string DisplayName, string IdentityNumber,
    string CollegeMentor, string EnterpriseMentor);

/// <summary>What an import did: the answer, and how many of the cohort's learners take a seat if it is kept.</summary>
public sealed record RosterImportResult(ImportEnrolmentsResponse Response, int SeatsTaken);

/// <summary>
/// The roster import both the gRPC stream and the CSV upload use (through ImportEnrolmentsHandler, which checks who may
/// import and when, and records the request id). Each row is written once, straight into <c>enrolments</c> with one
/// binary COPY (<see cref="EnrolmentCopy"/>), inside the caller's transaction, which holds the cohort row locked (FOR UPDATE).
/// <para>
/// Before the first row is read, the keys that can clash with the roster are loaded into memory: the student
/// numbers already used in the college (with their cohort and identity hash) and the identity hashes already in
/// this cohort (with their student number). Each row is then validated as it arrives, checked against the
/// roster's own earlier rows (duplicates) and against those keys: a learner already enrolled in this cohort with
/// the same student and identity number is skipped (rows_already_enrolled), never duplicated; a clash is reported
/// (student number taken by someone else, in this cohort or another of the college; the person enrolled here under
/// another number); every other row goes into the COPY, the rows' fields checked by <see cref="RosterRules"/>. Atomic
/// unless allow_partial: with a bad row the answer says <c>rolled_back</c> and nothing is to be kept (the COPY takes no
/// row after the first bad one).
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
/// (the cohort lock does not cover other cohorts). The unique index then refuses the COPY (a PostgresException from
/// <see cref="ImportAsync"/>); the handler answers ABORTED and the roster is to be sent again.
/// </para>
/// </summary>
public sealed class RosterImport(IdentityHasher hasher)
{
    public const int MaxReportedErrors = 10_000;

    // Every learner whose key can clash with a roster row: the college's student numbers and this cohort's people.
    private const string LoadExisting =
        "SELECT college_code, cohort_id, student_number, identity_hash, state FROM enrolments WHERE college_code = @college OR cohort_id = @cohortId";

    /// <summary>
    /// Reads every row of <paramref name="rows"/> and copies the good new ones into the locked <paramref name="cohort"/>.
    /// With a bad row and not <paramref name="allowPartial"/>, the answer is <c>rolled_back</c> and the caller rolls back.
    /// </summary>
    public async Task<RosterImportResult> ImportAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CohortRow cohort,
        bool allowPartial, IAsyncEnumerable<RosterInput> rows, CancellationToken cancellationToken)
    {
        var sponsor = cohort.Sponsors.Where(s => s.LeftDate is null).OrderBy(s => s.JoinedDate).Select(s => s.CreditCode).FirstOrDefault() ?? "";
        var existing = await ExistingKeys.LoadAsync(connection, transaction, cohort.CollegeCode, cohort.Id, cancellationToken);
        using var hashing = hasher.StartSession();
        var report = new Report();
        var imported = 0;
        var alreadyEnrolled = 0;
        using var copy = await EnrolmentCopy.BeginAsync(connection, cancellationToken);
        var completed = false;
        try
        {
            var seenNumbers = new Dictionary<string, int>(StringComparer.Ordinal);
            var seenPeople = new Dictionary<UInt128, int>();
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                report.Received++;
                var errorsBefore = report.Count;
                var studentNumber = row.StudentNumber.Trim();
                var displayName = row.DisplayName.Trim();
                var collegeMentor = row.CollegeMentor.Trim();
                var enterpriseMentor = row.EnterpriseMentor.Trim();
                if (RosterRules.CheckStudentNumber(studentNumber) is { } numberProblem)
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
                report.Add(row, "display_name", RosterRules.CheckPersonName(displayName, required: true));
                report.Add(row, "college_mentor", RosterRules.CheckPersonName(collegeMentor, required: false));
                report.Add(row, "enterprise_mentor", RosterRules.CheckPersonName(enterpriseMentor, required: false));
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
                if ((report.Count > 0 && !allowPartial) || existing.SeatsTaken + imported > cohort.Seats)
                {
                    continue; // this import ends rolled back or refused: nothing more to write
                }
                await copy.AddAsync(Guid.CreateVersion7(), cohort.Id, cohort.CollegeCode, studentNumber, displayName, hash!,
                    IdentityNumber.LastFour(identity!), (short)EnrolmentState.WaitingToStart, collegeMentor, enterpriseMentor, sponsor,
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
                await copy.CancelAsync();
            }
        }

        var response = report.ToResponse();
        if (report.Count > 0 && !allowPartial)
        {
            // Atomic by default: nothing is kept, not even the request id, so the fixed roster can be sent again.
            response.RolledBack = true;
            return new RosterImportResult(response, existing.SeatsTaken);
        }
        response.RowsImported = imported;
        response.RowsAlreadyEnrolled = alreadyEnrolled;
        // No other write reaches this cohort's enrolments while its row is locked, so the count loaded with the keys holds.
        return new RosterImportResult(response, existing.SeatsTaken + imported);
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
                    if (EnrolmentLifecycle.TakesSeat((EnrolmentState)reader.GetInt16(4)))
                    {
                        keys.SeatsTaken++;
                    }
                }
            }
            return keys;
        }
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

        public void Add(RosterInput row, string field, string? reason)
        {
            if (reason is not null)
            {
                Add(row.Row, row.Line, field, reason);
            }
        }

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
}
