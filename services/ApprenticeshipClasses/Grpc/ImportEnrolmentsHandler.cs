using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Npgsql;

namespace Collaboration.Apprenticeships.Grpc;

/// <summary>
/// ImportEnrolments for both transports (the gRPC client stream and the CSV upload), as every other write runs:
/// request id, transaction, audit and cache through <see cref="WriteRunner"/>; who may see the cohort through
/// <see cref="CohortGate"/>; when a roster is taken from <see cref="CohortLifecycle.AcceptsEnrolments"/>; the rows
/// themselves through <see cref="RosterImport"/>.
/// </summary>
public sealed class ImportEnrolmentsHandler(RosterImport import, CohortGate gate, WriteRunner writes)
{
    public const string Method = "ImportEnrolments";

    public async Task<ImportEnrolmentsResponse> RunAsync(HttpContext http, Caller caller, ImportHeader header,
        IAsyncEnumerable<RosterInput> rows, CancellationToken cancellationToken)
    {
        var cohortName = CohortNames.Cohort(header.CohortId);
        // The same request whichever transport carried it: method, caller, cohort, mode and every row in order.
        using var fingerprint = new StreamFingerprint(Method, caller,
            new ImportEnrolmentsRequest.Types.Header { Parent = cohortName, AllowPartial = header.AllowPartial });
        var stream = new FingerprintedRows(rows, fingerprint);
        var call = new WriteCall(Method, caller, new ImportEnrolmentsRequest(), header.RequestId)
        {
            ReadStreamFingerprint = stream.ReadToEndAsync,
        };
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var cohort = await gate.LockVisibleAsync(http, caller, connection, transaction, header.CohortId, cohortName, cancellationToken);
            if (!caller.CanEditFor(cohort.CollegeCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the college imports the roster of {cohortName}.");
            }
            if (!CohortLifecycle.AcceptsEnrolments(cohort.CohortState))
            {
                ApiErrors.InvalidState(cohortName, Method, cohort.CohortState.ToString());
            }
            RosterImportResult result;
            try
            {
                result = await import.ImportAsync(connection, transaction, cohort, header.AllowPartial, stream, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected)
            {
                // Another cohort of the college enrolled one of these student numbers after the keys were loaded. The stream
                // cannot be read twice, so the whole import is refused (the transaction rolls back) and is to be sent again.
                ApiErrors.Aborted("CONCURRENT_ENROLMENT", $"Another enrolment into a cohort of college {cohort.CollegeCode} ran at the same " +
                    "time and took some of this roster's student numbers; nothing was imported. Send the roster again.");
                throw;
            }
            var response = result.Response;
            if (response.RolledBack)
            {
                // Atomic by default: nothing is kept, not even the request id, so the fixed roster can be sent again.
                return new WriteOutcome<ImportEnrolmentsResponse>(response, Keep: false);
            }
            if (response.RowsImported > 0)
            {
                if (result.SeatsTaken > cohort.Seats)
                {
                    ApiErrors.FailedPrecondition("SEATS_EXCEEDED",
                        $"{cohortName} has {cohort.Seats} seats; this roster would enrol {result.SeatsTaken} learners. Nothing was imported.");
                }
                await CohortStore.TouchAsync(connection, transaction, cohort.Id);
            }
            await AuditLog.WriteAsync(connection, transaction, caller, cohortName, cohortName, Method,
                cohort.CohortState.ToString(), cohort.CohortState.ToString(),
                $"{response.RowsReceived} rows: {response.RowsImported} imported, {response.RowsAlreadyEnrolled} already enrolled, {response.RowsRejected} rejected");
            return new WriteOutcome<ImportEnrolmentsResponse>(response, Keep: true);
        }, [CohortGate.CacheKey(header.CohortId)], cancellationToken);
    }

    /// <summary>The roster's rows as read once, each added to the fingerprint on the way through.</summary>
    private sealed class FingerprintedRows(IAsyncEnumerable<RosterInput> rows, StreamFingerprint fingerprint) : IAsyncEnumerable<RosterInput>
    {
        private bool _read;

        public async IAsyncEnumerator<RosterInput> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            if (_read)
            {
                yield break;
            }
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                fingerprint.Add(new RosterRow
                {
                    StudentNumber = row.StudentNumber, DisplayName = row.DisplayName, IdentityNumber = row.IdentityNumber,
                    CollegeMentor = row.CollegeMentor, EnterpriseMentor = row.EnterpriseMentor,
                });
                yield return row;
            }
            _read = true;
        }

        /// <summary>Reads what the import left unread (all of it when a retry is answered from the stored response).</summary>
        public async ValueTask<byte[]> ReadToEndAsync(CancellationToken cancellationToken)
        {
            await foreach (var _ in this.WithCancellation(cancellationToken))
            {
            }
            return fingerprint.Finish();
        }
    }
}
