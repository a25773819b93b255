using System.Globalization;
using Collaboration.Common.V1;
using Collaboration.Labs.Data;
using Collaboration.Labs.Model;
using Collaboration.Labs.V1;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Collaboration.Shared.Paging;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using Band = Collaboration.Labs.V1.Evaluation.Types.Band;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Grpc;

/// <summary>The Labs API: each method validates, checks who may act, acts, and maps back.</summary>
public sealed class LabsGrpcService(LabStore store, WriteRunner writes, ResourceCache cache, GrantChecker grants) : LabService.LabServiceBase
{
    private const int MaxNameLength = 200;
    private const int MaxFieldLength = 64;
    private const int MaxPersonLength = 100;
    private const int MaxSummaryLength = 4000;
    private const int MaxReasonLength = 2000;
    private const int FirstCycle = 2000;
    private static readonly int ConstructionYears = 2;

    private static readonly HashSet<string> UpdatablePaths =
        ["display_name", "research_field", "director", "director.name", "director.title", "application_summary"];

    public override async Task<Lab> GetLab(GetLabRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Name, "name");
        return await RequireReadableAsync(context, caller, id, request.Name);
    }

    public override async Task<ListLabsResponse> ListLabs(ListLabsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("kind", request.Kind, required: false);
        violations.DefinedEnum("level", request.Level, required: false);
        violations.DefinedEnum("state", request.State, required: false);
        if (request.HostCreditCode.Length > 0)
        {
            violations.CreditCode("host_credit_code", request.HostCreditCode);
        }
        if (request.PartnerCreditCode.Length > 0)
        {
            violations.CreditCode("partner_credit_code", request.PartnerCreditCode);
        }
        violations.Text("research_field", request.ResearchField, MaxFieldLength, required: false);
        if (request.DueForEvaluationCycle != 0)
        {
            violations.Range("due_for_evaluation_cycle", request.DueForEvaluationCycle, FirstCycle, 9999);
        }
        var fingerprint = Page.Fingerprint(request.Kind, request.Level, request.State, request.HostCreditCode, request.PartnerCreditCode,
            request.ResearchField, request.DueForEvaluationCycle, request.ConstructionOverdue);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();

        var filter = new LabFilter((short)request.Kind, (short)request.Level, (short)request.State, request.HostCreditCode,
            request.PartnerCreditCode, request.ResearchField, request.DueForEvaluationCycle, request.ConstructionOverdue, Dates.Today);
        var rows = await store.ListAsync(caller, filter, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListLabsResponse { NextPageToken = next };
        response.Labs.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Lab> CreateLab(CreateLabRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var lab = request.Lab ?? new Lab();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.DefinedEnum("lab.kind", lab.Kind);
        violations.DefinedEnum("lab.level", lab.Level);
        ValidateDetails(lab, violations, "lab.");
        var host = lab.HostOrganization ?? new Organization();
        if (host.CreditCode.Length > 0)
        {
            violations.CreditCode("lab.host_organization.credit_code", host.CreditCode);
        }
        violations.Text("lab.host_organization.name", host.Name, MaxNameLength);
        violations.DefinedEnum("lab.host_organization.kind", host.Kind, required: false);
        var hostKind = host.Kind == OrganizationKind.Unspecified ? caller.OrganizationKind : host.Kind;
        // An unknown host kind (an admin, or a token without org_kind) is refused below as PERMISSION_DENIED.
        if (lab.Kind != Lab.Types.Kind.Unspecified && hostKind != OrganizationKind.Unspecified
            && Enum.IsDefined(lab.Kind) && Enum.IsDefined(host.Kind) && !LabRules.CanHost(lab.Kind, hostKind))
        {
            violations.Add("lab.host_organization.kind", lab.Kind == Lab.Types.Kind.EnterpriseTechnologyCenter
                ? "an enterprise technology centre is hosted by an enterprise."
                : "a key laboratory or engineering research centre is hosted by an enterprise, university or research institute.");
        }
        if (lab.State != State.Unspecified)
        {
            violations.Add("lab.state", "is output only; a new application starts as a draft.");
        }
        violations.ThrowIfAny();

        var hostCode = string.IsNullOrEmpty(host.CreditCode) ? caller.Organization : host.CreditCode;
        if (caller.IsAdmin || !caller.CanWrite || !caller.ActsFor(hostCode) || caller.OrganizationKind != hostKind
            || hostKind == OrganizationKind.Unspecified)
        {
            ApiErrors.PermissionDenied("Platforms are applied for by an owner or editor of the host organisation, for their own organisation.");
        }

        var call = new WriteCall(nameof(CreateLab), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var created = await LabStore.InsertAsync(connection, transaction, new LabRow
            {
                Id = Guid.CreateVersion7(),
                Kind = (short)lab.Kind,
                Level = (short)lab.Level,
                DisplayName = lab.DisplayName.Trim(),
                HostCode = hostCode,
                HostName = host.Name.Trim(),
                HostKind = (short)hostKind,
                ResearchField = lab.ResearchField.Trim(),
                DirectorName = lab.Director?.Name.Trim() ?? "",
                DirectorTitle = lab.Director?.Title.Trim() ?? "",
                ApplicationSummary = lab.ApplicationSummary.Trim(),
                State = (short)State.Draft,
            });
            var name = LabNames.Lab(created.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(CreateLab), "", State.Draft.ToString());
            return created.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<Lab> UpdateLab(UpdateLabRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var patch = request.Lab ?? new Lab();
        var id = ParseLabName(patch.Name, "lab.name");
        var violations = new FieldViolations();
        var paths = UpdateMask.Resolve(request.UpdateMask, patch, UpdatablePaths, violations);
        violations.ThrowIfAny();
        ValidateDetails(patch, violations, "lab.", paths);
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(UpdateLab), caller, request, null);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LabStore.LockAsync(connection, transaction, id);
            if (row is null)
            {
                ApiErrors.NotFound(name);
            }
            // Content edits: the host's owners and editors, or an organisation the host granted editor rights on this platform.
            await grants.EnsureCanEditAsync(context, caller, name, row.HostCode, await VisibleByRuleAsync(connection, transaction, caller, id, row),
                $"Only an owner or editor of the host organisation, or an organisation it granted editor rights, may update {name}.");
            ApiErrors.CheckEtag(patch.Etag, row.Etag, name);
            if (!LabLifecycle.IsEditable(row.LabState))
            {
                ApiErrors.InvalidState(name, nameof(UpdateLab), row.LabState.ToString());
            }
            foreach (var path in paths)
            {
                switch (path)
                {
                    case "display_name": row.DisplayName = patch.DisplayName.Trim(); break;
                    case "research_field": row.ResearchField = patch.ResearchField.Trim(); break;
                    case "application_summary": row.ApplicationSummary = patch.ApplicationSummary.Trim(); break;
                    case "director":
                        row.DirectorName = patch.Director?.Name.Trim() ?? "";
                        row.DirectorTitle = patch.Director?.Title.Trim() ?? "";
                        break;
                    case "director.name": row.DirectorName = patch.Director?.Name.Trim() ?? ""; break;
                    case "director.title": row.DirectorTitle = patch.Director?.Title.Trim() ?? ""; break;
                }
            }
            var updated = await LabStore.UpdateDetailsAsync(connection, transaction, row);
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(UpdateLab),
                row.LabState.ToString(), row.LabState.ToString(), string.Join(",", paths));
            return updated.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override Task<Lab> SubmitLab(SubmitLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Submit, null, null, context);

    public override Task<Lab> ReturnLab(ReturnLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Return, request.Reason ?? "", null, context);

    public override Task<Lab> StartLabPreliminaryReview(StartLabPreliminaryReviewRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.StartPreliminaryReview, null, null, context);

    public override Task<Lab> PassLabPreliminaryReview(PassLabPreliminaryReviewRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.PassPreliminaryReview, null, null, context);

    public override Task<Lab> PassLabExpertReview(PassLabExpertReviewRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.PassExpertReview, null, null, context);

    public override Task<Lab> RejectLab(RejectLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Reject, request.Reason ?? "", null, context);

    public override Task<Lab> AccreditLab(AccreditLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Accredit, null,
            new DeadlineArgument(request.ConstructionDeadline, Required: false), context);

    public override Task<Lab> StartLabConstruction(StartLabConstructionRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.StartConstruction, null, null, context);

    public override Task<Lab> RequestLabAcceptance(RequestLabAcceptanceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.RequestAcceptance, null, null, context);

    public override Task<Lab> PassLabAcceptance(PassLabAcceptanceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.PassAcceptance, null, null, context);

    public override Task<Lab> DeferLabAcceptance(DeferLabAcceptanceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.DeferAcceptance, Optional(request.Reason),
            new DeadlineArgument(request.ConstructionDeadline, Required: true), context);

    public override Task<Lab> FailLabAcceptance(FailLabAcceptanceRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.FailAcceptance, request.Reason ?? "", null, context);

    public override Task<Lab> RequireLabRectification(RequireLabRectificationRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.RequireRectification, request.Reason ?? "", null, context);

    public override Task<Lab> CompleteLabRectification(CompleteLabRectificationRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.CompleteRectification, null, null, context);

    public override Task<Lab> RevokeLab(RevokeLabRequest request, ServerCallContext context) =>
        TransitionAsync(request, request.Name, request.Etag, request.RequestId, LabAction.Revoke, request.Reason ?? "", null, context);

    public override async Task<Lab> RequestLabUpgrade(RequestLabUpgradeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!LabNames.TryParseLab(request.Name, out var id))
        {
            violations.Add("name", "must look like labs/{lab}.");
        }
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(RequestLabUpgrade), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may request an upgrade of {name}.");
            }
            ApiErrors.CheckEtag(request.Etag, row.Etag, name);
            if (row.LabState != State.Operating)
            {
                ApiErrors.InvalidState(name, nameof(RequestLabUpgrade), row.LabState.ToString());
            }
            if (LabRules.NextLevel((Lab.Types.Level)row.Level) is not { } level)
            {
                ApiErrors.FailedPrecondition("TOP_LEVEL", $"{name} is already a national platform.");
                return null!;
            }
            var latest = await LabStore.LatestEvaluationAsync(connection, transaction, id);
            if (latest is null || latest.Band != (short)Band.Excellent)
            {
                ApiErrors.FailedPrecondition("NOT_EXCELLENT", $"An upgrade needs an excellent result in the latest evaluation of {name}.");
            }
            LabRow application;
            try
            {
                application = await LabStore.InsertAsync(connection, transaction, new LabRow
                {
                    Id = Guid.CreateVersion7(),
                    Kind = row.Kind,
                    Level = (short)level,
                    DisplayName = row.DisplayName,
                    HostCode = row.HostCode,
                    HostName = row.HostName,
                    HostKind = row.HostKind,
                    ResearchField = row.ResearchField,
                    DirectorName = row.DirectorName,
                    DirectorTitle = row.DirectorTitle,
                    ApplicationSummary = row.ApplicationSummary,
                    State = (short)State.Draft,
                    UpgradeOf = id,
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "labs_live_upgrade")
            {
                ApiErrors.AlreadyExists($"{name} already has an upgrade application in progress.");
                throw;
            }
            var applicationName = LabNames.Lab(application.Id);
            await AuditLog.WriteAsync(connection, transaction, caller, applicationName, applicationName, nameof(RequestLabUpgrade),
                "", State.Draft.ToString(), $"upgrade of {name} to {level}");
            await AuditLog.WriteAsync(connection, transaction, caller, name, name, nameof(RequestLabUpgrade),
                row.LabState.ToString(), row.LabState.ToString(), $"upgrade application {applicationName}");
            return application.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<Partner> AddLabPartner(AddLabPartnerRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var partner = request.Partner ?? new Partner();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.CreditCode("partner.organization.credit_code", partner.Organization?.CreditCode);
        violations.Text("partner.organization.name", partner.Organization?.Name, MaxNameLength);
        violations.DefinedEnum("partner.organization.kind", partner.Organization?.Kind ?? OrganizationKind.Unspecified);
        var joined = ParseDate(partner.JoinedDate, "partner.joined_date", violations) ?? Dates.Today;
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(AddLabPartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may change the partners of {name}.");
            }
            if (LabLifecycle.IsFinal(row.LabState))
            {
                ApiErrors.InvalidState(name, nameof(AddLabPartner), row.LabState.ToString());
            }
            if (partner.Organization!.CreditCode == row.HostCode)
            {
                ApiErrors.FailedPrecondition("HOST_IS_NOT_A_PARTNER", $"{row.HostCode} hosts {name}; it cannot also be its partner.");
            }
            PartnerRow added;
            try
            {
                added = await LabStore.InsertPartnerAsync(connection, transaction, new PartnerRow
                {
                    Id = Guid.CreateVersion7(),
                    LabId = id,
                    CreditCode = partner.Organization.CreditCode,
                    OrgName = partner.Organization.Name.Trim(),
                    OrgKind = (short)partner.Organization.Kind,
                    JoinedDate = joined.ToDateTime(TimeOnly.MinValue),
                });
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                ApiErrors.AlreadyExists($"{partner.Organization.CreditCode} is already a current partner of {name}.");
                throw;
            }
            await LabStore.AdjustPartnerCountAsync(connection, transaction, id, +1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, LabNames.Partner(id, added.Id), nameof(AddLabPartner),
                row.LabState.ToString(), row.LabState.ToString(), added.CreditCode);
            return added.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<Partner> RemoveLabPartner(RemoveLabPartnerRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!LabNames.TryParseChild(request.Name, LabNames.Partners, out var id, out var partnerId))
        {
            violations.Add("name", "must look like labs/{lab}/partners/{partner}.");
        }
        var left = ParseDate(request.LeftDate, "left_date", violations) ?? Dates.Today;
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(RemoveLabPartner), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            var partner = await LabStore.LockPartnerAsync(connection, transaction, id, partnerId);
            if (partner is null)
            {
                ApiErrors.NotFound(request.Name);
            }
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may change the partners of {name}.");
            }
            if (partner.LeftDate is not null)
            {
                ApiErrors.FailedPrecondition("ALREADY_LEFT", $"{request.Name} already left the platform.");
            }
            if (left < DateOnly.FromDateTime(partner.JoinedDate))
            {
                ApiErrors.InvalidArgument("left_date", "must not be before the joined date.");
            }
            var ended = await LabStore.EndPartnershipAsync(connection, transaction, partnerId, left);
            await LabStore.AdjustPartnerCountAsync(connection, transaction, id, -1);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(RemoveLabPartner),
                row.LabState.ToString(), row.LabState.ToString(), $"{partner.CreditCode} left on {left:yyyy-MM-dd}");
            return ended.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<ListLabPartnersResponse> ListLabPartners(ListLabPartnersRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent, request.ShowLeft);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListPartnersAsync(id, request.ShowLeft, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListLabPartnersResponse { NextPageToken = next };
        response.Partners.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Evaluation> RecordLabEvaluation(RecordLabEvaluationRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (request.HasScore)
        {
            violations.Range("score", request.Score, LabGrading.MinScore, LabGrading.MaxScore);
        }
        violations.Range("cycle", request.Cycle, FirstCycle, Dates.Today.Year);
        violations.Text("remarks", request.Remarks, MaxReasonLength, required: false);
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(RecordLabEvaluation), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.IsAdmin)
            {
                ApiErrors.PermissionDenied("Only the city's admins evaluate platforms.");
            }
            if (!LabLifecycle.IsEvaluated(row.LabState))
            {
                ApiErrors.InvalidState(name, nameof(RecordLabEvaluation), row.LabState.ToString());
            }
            var (evaluation, _) = await EvaluateAsync(connection, transaction, caller, row, request.Cycle,
                request.HasScore ? request.Score : null, request.Remarks.Trim(), nameof(RecordLabEvaluation));
            if (evaluation is null)
            {
                ApiErrors.AlreadyExists($"{LabNames.Evaluation(id, request.Cycle)} already exists.");
            }
            return evaluation.ToProto();
        }, [CacheKey(id)], context.CancellationToken);
    }

    public override async Task<ListLabEvaluationsResponse> ListLabEvaluations(ListLabEvaluationsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        var fingerprint = Page.Fingerprint(request.Parent);
        var afterText = Page.After(request.PageToken, fingerprint, violations);
        var afterCycle = 0;
        if (afterText is not null && !int.TryParse(afterText, CultureInfo.InvariantCulture, out afterCycle))
        {
            violations.Add("page_token", "is not a page token this service issued.");
        }
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListEvaluationsAsync(id, afterCycle, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Cycle.ToString(CultureInfo.InvariantCulture), fingerprint);
        var response = new ListLabEvaluationsResponse { NextPageToken = next };
        response.Evaluations.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<CloseEvaluationCycleResponse> CloseEvaluationCycle(CloseEvaluationCycleRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.Range("cycle", request.Cycle, FirstCycle, Dates.Today.Year);
        violations.ThrowIfAny();
        if (!caller.IsAdmin)
        {
            ApiErrors.PermissionDenied("Only the city's admins close an evaluation cycle.");
        }

        var changed = new List<string>();
        var call = new WriteCall(nameof(CloseEvaluationCycle), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var response = new CloseEvaluationCycleResponse { Cycle = request.Cycle };
            foreach (var row in await LabStore.LockUnfiledAsync(connection, transaction, request.Cycle))
            {
                var (_, applied) = await EvaluateAsync(connection, transaction, caller, row, request.Cycle, null,
                    $"Not filed by the close of cycle {request.Cycle}.", nameof(CloseEvaluationCycle));
                var labName = LabNames.Lab(row.Id);
                response.NotFiled.Add(labName);
                if (applied == LabAction.Revoke)
                {
                    response.Revoked.Add(labName);
                }
                else if (applied == LabAction.RequireRectification)
                {
                    response.Rectification.Add(labName);
                }
                changed.Add(CacheKey(row.Id));
            }
            return response;
        }, changed, context.CancellationToken);
    }

    public override Task<ProjectGradeResponse> ProjectGrade(ProjectGradeRequest request, ServerCallContext context)
    {
        Caller.From(context);
        var violations = new FieldViolations();
        if (request.HasScore)
        {
            violations.Range("score", request.Score, LabGrading.MinScore, LabGrading.MaxScore);
        }
        violations.ThrowIfAny();
        var band = LabGrading.Band(request.HasScore ? request.Score : null);
        return Task.FromResult(new ProjectGradeResponse { Band = band, Consequence = LabGrading.Describe(band) });
    }

    public override async Task<Post> CreateLabPost(CreateLabPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var post = request.Post ?? new Post();
        var violations = new FieldViolations().RequestId(request.RequestId);
        violations.DefinedEnum("post.kind", post.Kind);
        violations.DefinedEnum("post.engagement", post.Engagement);
        violations.Text("post.field", post.Field, MaxFieldLength);
        if (post.State != Post.Types.State.Unspecified)
        {
            violations.Add("post.state", "is output only; a new post is open.");
        }
        if (post.Appointment is not null)
        {
            violations.Add("post.appointment", "is output only; fill the post with FillLabPost.");
        }
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(CreateLabPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, name);
            if (!caller.CanEditFor(row.HostCode))
            {
                ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may create posts of {name}.");
            }
            if (LabLifecycle.IsFinal(row.LabState))
            {
                ApiErrors.InvalidState(name, nameof(CreateLabPost), row.LabState.ToString());
            }
            var created = await LabStore.InsertPostAsync(connection, transaction, new PostRow
            {
                Id = Guid.CreateVersion7(),
                LabId = id,
                Kind = (short)post.Kind,
                Field = post.Field.Trim(),
                Engagement = (short)post.Engagement,
                State = (short)Post.Types.State.Open,
            });
            await AuditLog.WriteAsync(connection, transaction, caller, name, LabNames.Post(id, created.Id), nameof(CreateLabPost),
                "", Post.Types.State.Open.ToString(), $"{post.Kind}, {post.Engagement}");
            return created.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<ListLabPostsResponse> ListLabPosts(ListLabPostsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var violations = new FieldViolations();
        var size = Page.Size(request.PageSize, violations);
        violations.DefinedEnum("state", request.State, required: false);
        var fingerprint = Page.Fingerprint(request.Parent, request.State);
        var after = Page.AfterGuid(request.PageToken, fingerprint, violations);
        violations.ThrowIfAny();
        await RequireReadableAsync(context, caller, id, request.Parent);

        var rows = await store.ListPostsAsync(id, (short)request.State, after, size + 1, context.CancellationToken);
        var (items, next) = Page.Slice(rows, size, r => r.Id.ToString("D"), fingerprint);
        var response = new ListLabPostsResponse { NextPageToken = next };
        response.Posts.AddRange(items.Select(r => r.ToProto()));
        return response;
    }

    public override async Task<Post> FillLabPost(FillLabPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!LabNames.TryParseChild(request.Name, LabNames.Posts, out var id, out var postId))
        {
            violations.Add("name", "must look like labs/{lab}/posts/{post}.");
        }
        var appointment = request.Appointment ?? new Post.Types.Appointment();
        violations.Text("appointment.person_name", appointment.PersonName, MaxPersonLength);
        violations.CreditCode("appointment.home_organization.credit_code", appointment.HomeOrganization?.CreditCode);
        violations.Text("appointment.home_organization.name", appointment.HomeOrganization?.Name, MaxNameLength);
        violations.DefinedEnum("appointment.home_organization.kind", appointment.HomeOrganization?.Kind ?? OrganizationKind.Unspecified);
        var start = ParseDate(appointment.StartDate, "appointment.start_date", violations);
        if (!appointment.StartDate.IsSet())
        {
            violations.Add("appointment.start_date", "is required.");
        }
        var end = ParseDate(appointment.EndDate, "appointment.end_date", violations);
        if (start is not null && end is not null && end < start)
        {
            violations.Add("appointment.end_date", "must not be before the start date.");
        }
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(FillLabPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (row, post) = await LockVisiblePostAsync(context, connection, transaction, caller, id, postId, request.Name);
            ApiErrors.CheckEtag(request.Etag, post.Etag, request.Name);
            if (PostLifecycle.Next(post.PostState, PostAction.Fill) is not { } next)
            {
                ApiErrors.InvalidState(request.Name, nameof(FillLabPost), post.PostState.ToString());
                return null!;
            }
            var home = appointment.HomeOrganization!;
            var filled = await LabStore.FillPostAsync(connection, transaction, postId, (short)next, appointment.PersonName.Trim(),
                home.CreditCode, home.Name.Trim(), (short)home.Kind, start!.Value, end);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(FillLabPost),
                post.PostState.ToString(), next.ToString(), $"{appointment.PersonName.Trim()} of {home.CreditCode}");
            _ = row;
            return filled.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<Post> CloseLabPost(CloseLabPostRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(request.RequestId);
        if (!LabNames.TryParseChild(request.Name, LabNames.Posts, out var id, out var postId))
        {
            violations.Add("name", "must look like labs/{lab}/posts/{post}.");
        }
        violations.ThrowIfAny();

        var name = LabNames.Lab(id);
        var call = new WriteCall(nameof(CloseLabPost), caller, request, request.RequestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var (_, post) = await LockVisiblePostAsync(context, connection, transaction, caller, id, postId, request.Name);
            ApiErrors.CheckEtag(request.Etag, post.Etag, request.Name);
            if (PostLifecycle.Next(post.PostState, PostAction.Close) is not { } next)
            {
                ApiErrors.InvalidState(request.Name, nameof(CloseLabPost), post.PostState.ToString());
                return null!;
            }
            var closed = await LabStore.SetPostStateAsync(connection, transaction, postId, (short)next);
            await AuditLog.WriteAsync(connection, transaction, caller, name, request.Name, nameof(CloseLabPost),
                post.PostState.ToString(), next.ToString());
            return closed.ToProto();
        }, [], context.CancellationToken);
    }

    public override async Task<ListLabAuditEntriesResponse> ListLabAuditEntries(ListLabAuditEntriesRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var id = ParseLabName(request.Parent, "parent");
        var (entries, next) = await AuditLog.PageAsync(store.DataSource, request.Parent, request.PageSize, request.PageToken, async () =>
        {
            var lab = await RequireReadableAsync(context, caller, id, request.Parent);
            if (!caller.IsAdmin && !caller.ActsFor(lab.HostOrganization.CreditCode))
            {
                ApiErrors.PermissionDenied("The audit trail is for the host organisation and the city's admins.");
            }
        }, context.CancellationToken);
        return new ListLabAuditEntriesResponse { NextPageToken = next, AuditEntries = { entries } };
    }

    /// <summary>A construction deadline carried by AccreditLab (optional) and DeferLabAcceptance (required).</summary>
    private sealed record DeadlineArgument(Google.Type.Date? Date, bool Required);

    private async Task<Lab> TransitionAsync(IMessage request, string labName, string etag, string requestId,
        LabAction action, string? reason, DeadlineArgument? deadlineArgument, ServerCallContext context)
    {
        var caller = Caller.From(context);
        var violations = new FieldViolations().RequestId(requestId);
        if (!LabNames.TryParseLab(labName, out var id))
        {
            violations.Add("name", "must look like labs/{lab}.");
        }
        if (reason is not null && string.IsNullOrWhiteSpace(reason))
        {
            violations.Add("reason", "is required: say why.");
        }
        else if (reason is not null)
        {
            violations.Text("reason", reason, MaxReasonLength);
        }
        DateOnly? deadline = null;
        if (deadlineArgument is not null)
        {
            deadline = ParseDate(deadlineArgument.Date, "construction_deadline", violations);
            if (deadlineArgument.Required && !deadlineArgument.Date.IsSet())
            {
                violations.Add("construction_deadline", "is required.");
            }
            else if (deadline is not null && deadline <= Dates.Today)
            {
                violations.Add("construction_deadline", "must be after today.");
            }
        }
        violations.ThrowIfAny();

        var method = MethodName(action);
        var invalidated = new List<string> { CacheKey(id) };
        var call = new WriteCall(method, caller, request, requestId);
        return await writes.RunAsync(call, async (connection, transaction) =>
        {
            var row = await LockVisibleAsync(context, connection, transaction, caller, id, labName);
            var hostAct = LabLifecycle.IsHostAct(action);
            if (hostAct ? !caller.CanEditFor(row.HostCode) : !caller.IsAdmin)
            {
                ApiErrors.PermissionDenied(hostAct
                    ? $"Only an owner or editor of the host organisation may {action} {labName}."
                    : $"Only the city's admins may {action} a platform.");
            }
            ApiErrors.CheckEtag(etag, row.Etag, labName);
            if (LabLifecycle.Next(row.LabState, action) is not { } next)
            {
                ApiErrors.InvalidState(labName, method, row.LabState.ToString());
                return null!;
            }
            var detail = reason?.Trim() ?? "";
            LabRow updated;
            switch (action)
            {
                case LabAction.Accredit:
                    var today = Dates.Today;
                    var until = deadline ?? today.AddYears(ConstructionYears);
                    updated = await LabStore.SetStateWithDatesAsync(connection, transaction, id, (short)next, detail, today, until);
                    detail = $"construction deadline {until:yyyy-MM-dd}";
                    if (row.UpgradeOf is { } original)
                    {
                        await SupersedeAsync(connection, transaction, caller, original, id);
                        invalidated.Add(CacheKey(original));
                    }
                    break;
                case LabAction.DeferAcceptance:
                    updated = await LabStore.SetStateWithDatesAsync(connection, transaction, id, (short)next, detail, null, deadline!.Value);
                    detail = $"new construction deadline {deadline:yyyy-MM-dd}" + (detail.Length > 0 ? $": {detail}" : "");
                    break;
                default:
                    updated = await LabStore.SetStateAsync(connection, transaction, id, (short)next, detail);
                    break;
            }
            await AuditLog.WriteAsync(connection, transaction, caller, labName, labName, method, row.LabState.ToString(), next.ToString(), detail);
            return updated.ToProto();
        }, invalidated, context.CancellationToken);
    }

    /// <summary>The accredited upgrade replaces the platform it upgrades, if that one still operates.</summary>
    private static async Task SupersedeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid originalId, Guid upgradeId)
    {
        var original = await LabStore.LockAsync(connection, transaction, originalId);
        if (original is null || LabLifecycle.Next(original.LabState, LabAction.Supersede) is not { } next)
        {
            return;
        }
        await LabStore.SupersedeAsync(connection, transaction, originalId, (short)next, upgradeId);
        var name = LabNames.Lab(originalId);
        await AuditLog.WriteAsync(connection, transaction, caller, name, name, "AccreditLab",
            original.LabState.ToString(), next.ToString(), $"superseded by {LabNames.Lab(upgradeId)}");
    }

    /// <summary>
    /// Records an evaluation and applies its consequence in the same transaction: rectification, or
    /// revocation on the second unqualified cycle in a row. Null evaluation when the cycle already has one.
    /// </summary>
    private static async Task<(EvaluationRow? Evaluation, LabAction? Applied)> EvaluateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, LabRow row, int cycle, int? score, string remarks, string method)
    {
        var band = LabGrading.Band(score);
        var inserted = await LabStore.InsertEvaluationAsync(connection, transaction, new EvaluationRow
        {
            LabId = row.Id, Cycle = cycle, Score = score, Band = (short)band, Remarks = remarks,
        });
        if (inserted is null)
        {
            return (null, null);
        }
        var name = LabNames.Lab(row.Id);
        var state = row.LabState.ToString();
        await AuditLog.WriteAsync(connection, transaction, caller, name, LabNames.Evaluation(row.Id, cycle), method, state, state,
            score is null ? $"cycle {cycle}: not filed, {band}" : $"cycle {cycle}: score {score}, {band}");

        var neighbourUnqualified = band == Band.Unqualified
            && await LabStore.NeighbouringCycleUnqualifiedAsync(connection, transaction, row.Id, cycle, (short)Band.Unqualified);
        if (LabGrading.Consequence(row.LabState, band, neighbourUnqualified) is not { } action
            || LabLifecycle.Next(row.LabState, action) is not { } next)
        {
            return (inserted, null);
        }
        var reason = action == LabAction.Revoke
            ? $"Automatically revoked: unqualified in two consecutive cycles (cycle {cycle})."
            : $"Automatically sent to rectification: {band} in cycle {cycle}.";
        await LabStore.SetStateAsync(connection, transaction, row.Id, (short)next, reason);
        await AuditLog.WriteAsync(connection, transaction, caller, name, name, MethodName(action), state, next.ToString(), reason);
        return (inserted, action);
    }

    private static string MethodName(LabAction action) => action switch
    {
        LabAction.Submit => nameof(SubmitLab),
        LabAction.Return => nameof(ReturnLab),
        LabAction.StartPreliminaryReview => nameof(StartLabPreliminaryReview),
        LabAction.PassPreliminaryReview => nameof(PassLabPreliminaryReview),
        LabAction.PassExpertReview => nameof(PassLabExpertReview),
        LabAction.Reject => nameof(RejectLab),
        LabAction.Accredit => nameof(AccreditLab),
        LabAction.StartConstruction => nameof(StartLabConstruction),
        LabAction.RequestAcceptance => nameof(RequestLabAcceptance),
        LabAction.PassAcceptance => nameof(PassLabAcceptance),
        LabAction.DeferAcceptance => nameof(DeferLabAcceptance),
        LabAction.FailAcceptance => nameof(FailLabAcceptance),
        LabAction.RequireRectification => nameof(RequireLabRectification),
        LabAction.CompleteRectification => nameof(CompleteLabRectification),
        LabAction.Revoke => nameof(RevokeLab),
        _ => action.ToString(),
    };

    private async Task<Lab?> ReadAsync(Guid id, CancellationToken cancellationToken)
    {
        var key = CacheKey(id);
        if (await cache.GetAsync(key) is { } cached)
        {
            return Lab.Parser.ParseFrom(cached);
        }
        var row = await store.FindAsync(id, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var lab = row.ToProto();
        await cache.SetAsync(key, lab.ToByteArray());
        return lab;
    }

    /// <summary>The platform when the caller may see it (by the visibility rule or a partner grant); NOT_FOUND otherwise.</summary>
    private async Task<Lab> RequireReadableAsync(ServerCallContext context, Caller caller, Guid id, string name)
    {
        var lab = await ReadAsync(id, context.CancellationToken);
        if (lab is null)
        {
            ApiErrors.NotFound(name);
        }
        var host = lab.HostOrganization.CreditCode;
        var partner = !LabRules.DecidedWithoutPartnership(caller, host, lab.State)
            && await store.IsCurrentPartnerAsync(id, caller.Organization, context.CancellationToken);
        if (!await grants.CanReadAsync(context, caller, LabNames.Lab(id), host, LabRules.CanRead(caller, host, lab.State, partner)))
        {
            ApiErrors.NotFound(name);
        }
        return lab;
    }

    private static async Task<bool> VisibleByRuleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, Guid id, LabRow row)
    {
        var partner = !LabRules.DecidedWithoutPartnership(caller, row.HostCode, row.LabState)
            && await LabStore.IsCurrentPartnerAsync(connection, transaction, id, caller.Organization);
        return LabRules.CanRead(caller, row.HostCode, row.LabState, partner);
    }

    /// <summary>Locks the platform; NOT_FOUND when it does not exist or the caller may not see it (by rule or grant).</summary>
    private async Task<LabRow> LockVisibleAsync(ServerCallContext context, NpgsqlConnection connection, NpgsqlTransaction transaction,
        Caller caller, Guid id, string name)
    {
        var row = await LabStore.LockAsync(connection, transaction, id);
        if (row is null || !await grants.CanReadAsync(context, caller, LabNames.Lab(id), row.HostCode,
                await VisibleByRuleAsync(connection, transaction, caller, id, row)))
        {
            ApiErrors.NotFound(name);
        }
        return row;
    }

    private async Task<(LabRow Lab, PostRow Post)> LockVisiblePostAsync(ServerCallContext context, NpgsqlConnection connection,
        NpgsqlTransaction transaction, Caller caller, Guid labId, Guid postId, string postName)
    {
        var row = await LockVisibleAsync(context, connection, transaction, caller, labId, postName);
        var post = await LabStore.LockPostAsync(connection, transaction, labId, postId);
        if (post is null)
        {
            ApiErrors.NotFound(postName);
        }
        if (!caller.CanEditFor(row.HostCode))
        {
            ApiErrors.PermissionDenied($"Only an owner or editor of the host organisation may change the posts of {LabNames.Lab(labId)}.");
        }
        return (row, post);
    }

    private static void ValidateDetails(Lab lab, FieldViolations violations, string prefix, IReadOnlyCollection<string>? only = null)
    {
        bool Checks(string path) => only is null || only.Contains(path);
        if (Checks("display_name"))
        {
            violations.Text(prefix + "display_name", lab.DisplayName, MaxNameLength);
        }
        if (Checks("research_field"))
        {
            violations.Text(prefix + "research_field", lab.ResearchField, MaxFieldLength);
        }
        if (Checks("application_summary"))
        {
            violations.Text(prefix + "application_summary", lab.ApplicationSummary, MaxSummaryLength, required: false);
        }
        if (Checks("director") || Checks("director.name"))
        {
            violations.Text(prefix + "director.name", lab.Director?.Name, MaxPersonLength, required: false);
        }
        if (Checks("director") || Checks("director.title"))
        {
            violations.Text(prefix + "director.title", lab.Director?.Title, MaxPersonLength, required: false);
        }
    }

    /// <summary>A set date must be a calendar date; an unset one is null.</summary>
    private static DateOnly? ParseDate(Google.Type.Date? date, string field, FieldViolations violations)
    {
        if (!date.IsSet())
        {
            return null;
        }
        if (date.ToDateOnly() is { } value)
        {
            return value;
        }
        violations.Add(field, "is not a valid calendar date.");
        return null;
    }

    private static Guid ParseLabName(string name, string field)
    {
        if (!LabNames.TryParseLab(name, out var id))
        {
            ApiErrors.InvalidArgument(field, "must look like labs/{lab}.");
        }
        return id;
    }

    private static string CacheKey(Guid id) => $"lab:{id:D}";

    private static string? Optional(string reason) => string.IsNullOrWhiteSpace(reason) ? null : reason;
}
