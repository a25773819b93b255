using Collaboration.Shared.Validation;
using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Grpc.Core;
using Npgsql;

namespace Collaboration.Apprenticeships.Grpc;

// The cohorts API, one file per resource family; each file opens with its methods, their SQL and their rule:
//   CohortsGrpcService.Cohorts.cs         cohorts and their lifecycle
//   CohortsGrpcService.Enrolments.cs      enrolments, the roster import, the enrolment lifecycle
//   CohortsGrpcService.Placements.cs      placements and retention checks
//   CohortsGrpcService.Sponsors.cs        adding and ending a cohort's sponsors
//   CohortsGrpcService.SponsorChanges.cs  changes of sponsor
//   CohortsGrpcService.Outcomes.cs        outcomes, landing rates, the audit trail
// Every method validates, checks who may act (CohortGate for who may see), looks up in the organisation directory
// every organisation it stores (one LookupManyAsync, before the write: name and kind are the register's, whatever the
// caller typed), acts through WriteRunner, and maps back.
public sealed partial class CohortsGrpcService(CohortStore store, OutcomeStore outcomes, ImportEnrolmentsHandler imports, WriteRunner writes,
    CohortGate gate, CodeLists codeLists, IdentityHasher hasher, GrantChecker grants, OrganizationDirectory directory) : CohortService.CohortServiceBase
{
    private const int MaxNameLength = 200;
    private const int MaxChainLength = 64;
    private const int MaxReasonLength = 2000;
    private const int MaxSeats = 100_000;

    /// <summary>The RPC a request message belongs to (one request message per RPC), as request ids and the audit name it.</summary>
    private static string MethodOf(Google.Protobuf.IMessage request) => request.Descriptor.Name[..^"Request".Length];

    /// <summary>The cohort when the caller may see it (by the visibility rule or a partner grant of the college); NOT_FOUND otherwise.</summary>
    private Task<Cohort> RequireReadableAsync(ServerCallContext context, Caller caller, Guid id, string name) =>
        gate.ReadableAsync(context.GetHttpContext(), caller, id, name, context.CancellationToken);

    /// <summary>Locks the cohort; NOT_FOUND when it does not exist or the caller may not see it (by rule or a grant of the college).</summary>
    private Task<CohortRow> LockVisibleAsync(ServerCallContext context, NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, Guid id, string name) =>
        gate.LockVisibleAsync(context.GetHttpContext(), caller, connection, transaction, id, name, context.CancellationToken);

    private static Guid ParseCohort(string name, string field)
    {
        if (!CohortNames.TryParseCohort(name, out var id))
        {
            ApiErrors.InvalidArgument(field, "must look like cohorts/{cohort}.");
        }
        return id;
    }

    private static (Guid CohortId, Guid EnrolmentId) ParseEnrolment(string name, string field)
    {
        if (!CohortNames.TryParseEnrolment(name, out var cohortId, out var enrolmentId))
        {
            ApiErrors.InvalidArgument(field, "must look like cohorts/{cohort}/enrolments/{enrolment}.");
        }
        return (cohortId, enrolmentId);
    }

    private static (Guid CohortId, Guid EnrolmentId) ParsePlacement(string name)
    {
        if (!CohortNames.TryParsePlacement(name, out var cohortId, out var enrolmentId))
        {
            ApiErrors.InvalidArgument("name", "must look like cohorts/{cohort}/enrolments/{enrolment}/placement.");
        }
        return (cohortId, enrolmentId);
    }
}
