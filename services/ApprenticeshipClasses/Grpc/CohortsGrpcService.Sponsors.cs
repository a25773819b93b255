using Collaboration.Apprenticeships.Data;
using Collaboration.Apprenticeships.Model;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Validation;
using Grpc.Core;

namespace Collaboration.Apprenticeships.Grpc;

// A cohort's sponsors after creation: dated links, never overwritten (an ended link keeps its dates).
// RPC          store (Data/CohortStore)                                   rule (Model/)
// AddSponsor   LockAsync, InsertSponsorAsync | AcceptSponsorAsync, UpdateAsync  SponsorAdmission.Next (Add by the college, Accept by the invited enterprise),
//                                                                          CohortOrganizations.SponsorViolation (the registered kind)
// EndSponsor   LockAsync, CountHostedAsync, EndSponsorAsync, UpdateAsync        SponsorAdmission.Next (End), LeavesASponsor, HostedInTraining
public sealed partial class CohortsGrpcService
{
    private static readonly short[] HostedInTraining = [.. SponsorAdmission.HostedInTraining.Select(s => (short)s)];

    public override async Task<Cohort> AddSponsor(AddSponsorRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!CohortNames.TryParseCohort(request.Name, out var id))
        {
            violations.Add("name", "must look like cohorts/{cohort}.");
        }
        var code = request.Organization?.CreditCode ?? "";
        violations.CreditCode("organization.credit_code", code);
        if (request.JoinedDate.IsSet() && request.JoinedDate.ToDateOnly() is null)
        {
            violations.Add("joined_date", "is not a valid calendar date.");
        }
        violations.ThrowIfAny();
        var enterprise = await directory.LookupAsync(context, code, "organization.credit_code");

        var call = new WriteCall(nameof(AddSponsor), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, request.Name);
            var party = CohortAccess.PartyOf(caller, row.CollegeCode, row.CurrentSponsorCodes);
            var invited = row.PendingSponsorCodes.Contains(code) && caller.CanEditFor(code);
            var act = invited ? SponsorAct.Accept : SponsorAct.Add;
            if (!SponsorAdmission.IsAllowed(act, party, invited))
            {
                ApiErrors.PermissionDenied("Sponsors are added by an owner or editor of the college; an invited enterprise accepts for itself.");
            }
            ApiErrors.CheckEtag(request.Etag, row.Etag, request.Name);
            var from = row.CohortState;
            if (SponsorAdmission.Next(from, act) is not var (standing, to))
            {
                ApiErrors.InvalidState(request.Name, act == SponsorAct.Accept ? "accepting to sponsor" : nameof(AddSponsor), from.ToString());
                return null!;
            }
            var joined = (request.JoinedDate.ToDateOnly() ?? Dates.Today).ToDateTime(TimeOnly.MinValue);
            if (act == SponsorAct.Accept)
            {
                await CohortStore.AcceptSponsorAsync(connection, transaction, id, code, joined);
            }
            else
            {
                if (code == row.CollegeCode)
                {
                    ApiErrors.InvalidArgument("organization.credit_code", "the college cannot sponsor its own cohort.");
                }
                if (CohortOrganizations.SponsorViolation(enterprise) is { } notSponsor)
                {
                    ApiErrors.InvalidArgument("organization.credit_code", notSponsor);
                }
                var added = await CohortStore.InsertSponsorAsync(connection, transaction, new SponsorRow
                {
                    CohortId = id, CreditCode = code, OrgName = enterprise.Name, JoinedDate = joined,
                    Pending = standing == SponsorStanding.Pending,
                });
                if (!added)
                {
                    ApiErrors.AlreadyExists($"{code} already sponsors {request.Name} (or is invited, or had a link from the same date).");
                }
            }
            if (to != from)
            {
                row.State = (short)to;
                row.StateReason = "sponsors changed by the college; awaiting the enterprises' confirmation";
            }
            var updated = await CohortStore.UpdateAsync(connection, transaction, row);
            await AuditLog.WriteAsync(connection, transaction, caller, request.Name, request.Name, nameof(AddSponsor),
                from.ToString(), to.ToString(), $"sponsor {code} {standing.ToString().ToLowerInvariant()}");
            return updated.ToProto();
        }, [CohortGate.CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Cohort> EndSponsor(EndSponsorRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!CohortNames.TryParseCohort(request.Name, out var id))
        {
            violations.Add("name", "must look like cohorts/{cohort}.");
        }
        violations.CreditCode("sponsor_credit_code", request.SponsorCreditCode);
        if (request.LeftDate.IsSet() && request.LeftDate.ToDateOnly() is null)
        {
            violations.Add("left_date", "is not a valid calendar date.");
        }
        violations.Text("reason", request.Reason, MaxReasonLength, required: false);
        violations.ThrowIfAny();

        var call = new WriteCall(nameof(EndSponsor), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, request.Name);
            var party = CohortAccess.PartyOf(caller, row.CollegeCode, row.CurrentSponsorCodes);
            if (!SponsorAdmission.IsAllowed(SponsorAct.End, party, isInvitedEnterprise: false))
            {
                ApiErrors.PermissionDenied("A sponsor is ended by an owner or editor of the college.");
            }
            ApiErrors.CheckEtag(request.Etag, row.Etag, request.Name);
            var code = request.SponsorCreditCode;
            var link = row.Sponsors.FirstOrDefault(s => s.CreditCode == code && s.LeftDate is null);
            if (link is null)
            {
                ApiErrors.InvalidArgument("sponsor_credit_code", $"is not a current or pending sponsor of {request.Name}.");
            }
            var from = row.CohortState;
            if (SponsorAdmission.Next(from, SponsorAct.End) is not var (_, to))
            {
                ApiErrors.InvalidState(request.Name, nameof(EndSponsor), from.ToString());
                return null!;
            }
            if (link.IsCurrent)
            {
                if (!SponsorAdmission.LeavesASponsor(row.CurrentSponsorCodes, code))
                {
                    ApiErrors.FailedPrecondition("LAST_SPONSOR", $"{code} is the last sponsor of {request.Name}; add another before ending it.");
                }
                var hosted = await CohortStore.CountHostedAsync(connection, transaction, id, code, HostedInTraining);
                if (hosted > 0)
                {
                    ApiErrors.FailedPrecondition("SPONSOR_HOSTS_LEARNERS",
                        $"{code} still hosts {hosted} learner(s) in training in {request.Name}; change their sponsor first.");
                }
            }
            var left = (request.LeftDate.ToDateOnly() ?? Dates.Today).ToDateTime(TimeOnly.MinValue);
            if (left < link.JoinedDate)
            {
                ApiErrors.InvalidArgument("left_date", $"must not be before the joined date ({DateOnly.FromDateTime(link.JoinedDate):yyyy-MM-dd}).");
            }
            await CohortStore.EndSponsorAsync(connection, transaction, id, code, left);
            if (link.IsCurrent && to != from)
            {
                row.State = (short)to;
                row.StateReason = "sponsors changed by the college; awaiting the enterprises' confirmation";
            }
            var updated = await CohortStore.UpdateAsync(connection, transaction, row);
            await AuditLog.WriteAsync(connection, transaction, caller, request.Name, request.Name, nameof(EndSponsor),
                from.ToString(), updated.CohortState.ToString(),
                $"sponsor {code} ended{(link.Pending ? " (invitation withdrawn)" : "")}{(request.Reason.Trim().Length > 0 ? ": " + request.Reason.Trim() : "")}");
            return updated.ToProto();
        }, [CohortGate.CacheKey(id)], context.CancellationToken);
    }
}
