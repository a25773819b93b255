using System.Diagnostics;
using System.Globalization;
using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Data;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using PlacementState = Collaboration.Apprenticeships.V1.Placement.Types.State;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Seeds;

/// <summary>
/// A cohort after seeding. <paramref name="Changed"/> says whether this run wrote anything to it; <paramref name="Contents"/>
/// sums up its learners and outcomes.
/// </summary>
public sealed record CohortOutcome(SeedCohort Seed, Cohort Cohort, bool Created, bool Changed, string Contents);

/// <summary>
/// Walks every cohort of cohorts.json through the Apprenticeship Classes API: create as an owner of <c>createdBy</c>, replay the
/// history (each act as an owner of its party, or a city admin; <c>amend</c> is UpdateCohort, <c>importRoster</c> the streamed
/// ImportEnrolments of the generated learners followed by the sponsor naming their masters), start every learner once the
/// cohort is in training and withdraw and complete the seeded counts (as the college), then record the placements and
/// retention checks (as the first sponsor). Every write carries a request id derived from the step; what has none
/// (UpdateCohort, UpdateEnrolment) and what a cohort already has is read first, so a second run adds nothing.
/// </summary>
public sealed class CohortSeeder(GatewayClient client, CohortService.CohortServiceClient cohorts, SeedData data, CohortSeeds seeds,
    Actor admin, Func<SeedOrganization, Actor> ownerOf, ILogger logger, TextWriter output)
{
    /// <summary>For testing against the service directly, without a gateway in front of it.</summary>
    public const string AddressKey = "Seeds:ApprenticeshipsGrpcUrl";
    private const int PageSize = 200;
    private const int RosterBatch = 50;
    /// <summary>
    /// Loads cohorts.json from <paramref name="dataDirectory"/> (skipped when absent; exit code 2 when invalid) through the
    /// gateway, or straight to the service at <c>Seeds__ApprenticeshipsGrpcUrl</c>.
    /// </summary>
    public static async Task<IReadOnlyList<CohortOutcome>> RunAsync(IConfiguration configuration, GatewayClient gateway, string dataDirectory,
        SeedData data, Actor admin, Func<SeedOrganization, Actor> ownerOf, ILogger logger, TextWriter output, CancellationToken cancellationToken)
    {
        if (CohortPlan.Load(dataDirectory, data) is not { } seeds)
        {
            output.WriteLine($"Skipping {CohortPlan.FileName}: not in {dataDirectory}.");
            return [];
        }
        var direct = Address(configuration);
        using var directClient = direct is null ? null : new GatewayClient(direct, logger);
        var client = directClient ?? gateway;
        // GatewayClient has no Apprenticeship Classes stub, so the cohorts get a channel of their own to the same address.
        using var channel = GrpcChannel.ForAddress(client.Address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            },
            DisposeHttpClient = true,
        });
        var learners = seeds.Learners.Values.Sum(l => l.Count);
        output.WriteLine($"Seeding {seeds.Cohorts.Count} cohorts with {learners} fictional learners through {client.Address}"
            + (direct is null ? "" : " (direct)"));
        return await new CohortSeeder(client, new CohortService.CohortServiceClient(channel), data, seeds, admin, ownerOf, logger, output)
            .SeedAsync(cancellationToken);
    }

    private static Uri? Address(IConfiguration configuration)
    {
        if (configuration[AddressKey] is not { Length: > 0 } value)
        {
            return null;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new SeedException($"{AddressKey} '{value}' is not an http:// or https:// address.", SeedException.Usage);
        }
        return address;
    }

    public async Task<IReadOnlyList<CohortOutcome>> SeedAsync(CancellationToken cancellationToken)
    {
        if (!await client.WaitForAsync("the Apprenticeship Classes API", admin,
            o => cohorts.ListCohortsAsync(new ListCohortsRequest { PageSize = 1 }, o), cancellationToken))
        {
            output.WriteLine($"Skipped {seeds.Cohorts.Count} cohorts: {client.Address} does not serve collaboration.apprenticeships.v1 (UNIMPLEMENTED).");
            return [];
        }
        var outcomes = await GatewayClient.SeedEachAsync(seeds.Cohorts, "cohort", s => s.Slug,
            s => SeedCohortAsync(s, cancellationToken), Line, output);

        var created = outcomes.Count(o => o.Created);
        var off = outcomes.Where(o => o.Cohort.State != o.Seed.State).ToList();
        var untouched = off.Count(o => !o.Changed);
        output.WriteLine($"Done: {outcomes.Count} cohorts, {created} created, {outcomes.Count - created} already present, "
            + $"{outcomes.Count(o => o.Changed)} changed"
            + (untouched > 0 ? $"; {untouched} not in the seeded state (changed outside the seeds?)" : "") + ".");
        await PrintLandingRatesAsync(cancellationToken);
        if (off.Where(o => o.Changed).ToList() is { Count: > 0 } wrong)
        {
            throw new SeedException($"{wrong.Count} cohorts did not end in their seeded state: "
                + string.Join("; ", wrong.Select(o => $"{o.Seed.Slug} ({o.Cohort.Name}) is {CohortPlan.ClaimState(o.Cohort.State)}, "
                    + $"{CohortPlan.FileName} says {CohortPlan.ClaimState(o.Seed.State)}"))
                + ". Do the Apprenticeship Classes service's rules still match the seeds?");
        }
        return outcomes;
    }

    /// <summary>The city's landing rates by the year cohorts end, as the admins read them (ComputeLandingRates).</summary>
    private async Task PrintLandingRatesAsync(CancellationToken cancellationToken)
    {
        var rates = await client.CallAsync("compute the landing rates", admin, o => cohorts.ComputeLandingRatesAsync(
            new ComputeLandingRatesRequest { GroupBy = ComputeLandingRatesRequest.Types.GroupBy.Year }, o), cancellationToken);
        foreach (var group in rates.Groups.Where(g => g.Completed > 0))
        {
            output.WriteLine($"  landing rate {group.Key}: {group.EmployedInCity} of {group.Completed} completed learners employed in the city"
                + (group.HasLandingRate ? $" ({group.LandingRate.ToString("P1", CultureInfo.InvariantCulture)})" : "")
                + $" over {group.Cohorts} cohorts, {group.EmployedBySponsor} by a sponsor"
                + (group.HasCommitmentFulfilment ? $" ({group.CommitmentFulfilment.ToString("P1", CultureInfo.InvariantCulture)} of the commitment)" : "") + ".");
        }
    }

    private Actor College(SeedCohort seed) => ownerOf(data.Organizations[seed.College]);

    private Actor FirstSponsor(SeedCohort seed) => ownerOf(data.Organizations[seed.Sponsors[0].Organization]);

    private Actor ActorFor(SeedCohort seed, CohortParty party) => party switch
    {
        CohortParty.College => College(seed),
        CohortParty.Sponsor => FirstSponsor(seed),
        _ => admin,
    };

    private async Task<CohortOutcome> SeedCohortAsync(SeedCohort seed, CancellationToken cancellationToken)
    {
        var reader = ActorFor(seed, seed.CreatedBy);
        // CreateCohort has a request id, but it may be gone (purged) or the seed edited: look first, create only what is missing.
        var found = await FindAsync(seed, cancellationToken);
        var name = found?.Name ?? (await CreateAsync(seed, reader, cancellationToken)).Name;
        var changed = found is null;
        var current = await GetAsync(name, reader, cancellationToken);
        foreach (var step in CohortPlan.Walk(seed))
        {
            // The walk only goes forward, so a step whose state the cohort is not in was done by an earlier run (or cannot be
            // done: the final check says so). Steps that stay in their state (roster, learners, placements, a repeated
            // amendment) check what is already there.
            if (current.State != step.From)
            {
                logger.LogDebug("{Slug}: {Step} was done by an earlier run", seed.Slug, CohortPlan.Describe(step.Act));
                continue;
            }
            try
            {
                (current, var applied) = await ApplyAsync(seed, step, name, cancellationToken);
                changed |= applied;
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw Failed(seed, name, CohortPlan.Describe(step.Act), e);
            }
        }
        var cohort = await GetAsync(name, reader, cancellationToken);
        return new CohortOutcome(seed, cohort, found is null, changed, await ContentsAsync(seed, cohort, reader, cancellationToken));
    }

    private async Task<Cohort> CreateAsync(SeedCohort seed, Actor creator, CancellationToken cancellationToken)
    {
        var college = data.Organizations[seed.College];
        var cohort = new Cohort
        {
            Kind = seed.Kind,
            DisplayName = seed.DisplayName,
            College = college.ToProto(),
            IndustrialCollegeName = seed.IndustrialCollegeName ?? "",
            MajorCode = seed.MajorCode,
            MajorCatalogueVersion = seed.MajorCatalogueVersion,
            OccupationCode = seed.OccupationCode,
            IndustryChain = seed.IndustryChain,
            Seats = seed.Seats,
            PlacementCommitment = seed.PlacementCommitment,
            StartDate = seed.StartDate.ToProto(),
            EndDate = seed.EndDate.ToProto(),
        };
        cohort.Sponsors.AddRange(seed.Sponsors.Select(s => new Sponsor
        {
            Organization = data.Organizations[s.Organization].ToProto(),
            JoinedDate = s.JoinedDate.ToProto(),
        }));
        var request = new CreateCohortRequest { Cohort = cohort, RequestId = RequestIds.Stable(CohortPlan.Key(seed, "create")) };
        try
        {
            return await client.CallAsync($"create {seed.Slug}", creator, o => cohorts.CreateCohortAsync(request, o), cancellationToken);
        }
        catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
        {
            throw new SeedException($"cohort '{seed.Slug}': create refused ({GatewayClient.Describe(e)}): an earlier run created it from a different "
                + $"seed, and no cohort named {seed.DisplayName} of college {seed.College} was found. Was it renamed?");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw new SeedException($"cohort '{seed.Slug}': create failed: {GatewayClient.Describe(e)}");
        }
    }

    /// <summary>The seeded cohort: same college and display name (as created, or as an amendment renamed it).</summary>
    private async Task<Cohort?> FindAsync(SeedCohort seed, CancellationToken cancellationToken)
    {
        var names = seed.History.OfType<CohortAct.Amend>().Select(a => a.Fields.DisplayName?.Trim()).OfType<string>()
            .Append(seed.DisplayName.Trim()).ToHashSet(StringComparer.Ordinal);
        var all = await ListAsync($"find {seed.Slug}", admin,
            (token, o) => cohorts.ListCohortsAsync(new ListCohortsRequest { CollegeCreditCode = seed.College, PageSize = PageSize, PageToken = token }, o),
            r => r.Cohorts, r => r.NextPageToken, cancellationToken);
        return all.FirstOrDefault(c => c.College?.CreditCode == seed.College && names.Contains(c.DisplayName));
    }

    private Task<Cohort> GetAsync(string name, Actor actor, CancellationToken cancellationToken) =>
        client.CallAsync($"get {name}", actor, o => cohorts.GetCohortAsync(new GetCohortRequest { Name = name }, o), cancellationToken);

    /// <summary>One step of the walk; the cohort afterwards, and whether the step wrote anything.</summary>
    private async Task<(Cohort Cohort, bool Applied)> ApplyAsync(SeedCohort seed, PlannedCohortStep step, string name, CancellationToken cancellationToken)
    {
        var actor = ActorFor(seed, step.Act.By);
        switch (step.Act)
        {
            case CohortAct.ImportRoster:
                var imported = await ImportRosterAsync(seed, step, name, cancellationToken);
                var named = await NameMastersAsync(seed, name, cancellationToken);
                return (await GetAsync(name, actor, cancellationToken), imported || named);
            case CohortAct.RunLearners:
                var ran = await RunLearnersAsync(seed, name, cancellationToken);
                return (await GetAsync(name, actor, cancellationToken), ran);
            case CohortAct.RecordPlacements:
                var placed = await RecordPlacementsAsync(seed, name, cancellationToken);
                return (await GetAsync(name, FirstSponsor(seed), cancellationToken), placed);
        }

        // Lifecycle acts carry the etag just read: roster and enrolment writes change it.
        var fresh = await GetAsync(name, actor, cancellationToken);
        if (fresh.State != step.From)
        {
            return (fresh, false);
        }
        if (step.Act is CohortAct.Amend amend)
        {
            return await AmendAsync(seed, amend, fresh, actor, cancellationToken);
        }
        var requestId = RequestIds.Stable(step.Key);
        try
        {
            return (await client.CallAsync($"{seed.Slug}: {CohortPlan.Describe(step.Act)}", actor,
                o => Transition(step.Act, fresh, requestId, o), cancellationToken), true);
        }
        catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
        {
            // An earlier run did this step with an etag read back then; the cohort has moved on since and is back in this
            // step's state (confirmed again after an amendment).
            return (fresh, false);
        }
    }

    private AsyncUnaryCall<Cohort> Transition(CohortAct act, Cohort cohort, string requestId, CallOptions options) => act switch
    {
        CohortAct.Submit => cohorts.SubmitCohortAsync(new SubmitCohortRequest { Name = cohort.Name, Etag = cohort.Etag, RequestId = requestId }, options),
        CohortAct.Confirm => cohorts.ConfirmCohortAsync(new ConfirmCohortRequest { Name = cohort.Name, Etag = cohort.Etag, RequestId = requestId }, options),
        CohortAct.Approve => cohorts.ApproveCohortAsync(new ApproveCohortRequest { Name = cohort.Name, Etag = cohort.Etag, RequestId = requestId }, options),
        CohortAct.OpenRecruitment => cohorts.OpenCohortRecruitmentAsync(
            new OpenCohortRecruitmentRequest { Name = cohort.Name, Etag = cohort.Etag, RequestId = requestId }, options),
        CohortAct.StartTraining => cohorts.StartCohortTrainingAsync(
            new StartCohortTrainingRequest { Name = cohort.Name, Etag = cohort.Etag, RequestId = requestId }, options),
        CohortAct.Graduate => cohorts.GraduateCohortAsync(new GraduateCohortRequest { Name = cohort.Name, Etag = cohort.Etag, RequestId = requestId }, options),
        CohortAct.Close => cohorts.CloseCohortAsync(new CloseCohortRequest { Name = cohort.Name, Etag = cohort.Etag, RequestId = requestId }, options),
        CohortAct.Cancel c => cohorts.CancelCohortAsync(
            new CancelCohortRequest { Name = cohort.Name, Etag = cohort.Etag, RequestId = requestId, Reason = c.Reason ?? "" }, options),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "not a lifecycle act"),
    };

    /// <summary>
    /// UpdateCohort has no request id: the amendment is sent only when the cohort does not already hold the amended values
    /// (a rerun finds them there). The data checks make every amendment change something.
    /// </summary>
    private async Task<(Cohort Cohort, bool Applied)> AmendAsync(SeedCohort seed, CohortAct.Amend amend, Cohort fresh, Actor actor,
        CancellationToken cancellationToken)
    {
        var fields = amend.Fields;
        var patch = new Cohort { Name = fresh.Name, Etag = fresh.Etag };
        var paths = new List<string>();
        if (fields.Seats is { } seats && fresh.Seats != seats) { patch.Seats = seats; paths.Add("seats"); }
        if (fields.PlacementCommitment is { } commitment && fresh.PlacementCommitment != commitment)
        {
            patch.PlacementCommitment = commitment;
            paths.Add("placement_commitment");
        }
        if (fields.StartDate is { } start && fresh.StartDate.ToDateOnly() != start) { patch.StartDate = start.ToProto(); paths.Add("start_date"); }
        if (fields.EndDate is { } end && fresh.EndDate.ToDateOnly() != end) { patch.EndDate = end.ToProto(); paths.Add("end_date"); }
        if (fields.DisplayName is { } displayName && fresh.DisplayName != displayName.Trim()) { patch.DisplayName = displayName; paths.Add("display_name"); }
        if (fields.IndustrialCollegeName is { } icn && fresh.IndustrialCollegeName != icn.Trim()) { patch.IndustrialCollegeName = icn; paths.Add("industrial_college_name"); }
        if (paths.Count == 0)
        {
            logger.LogDebug("{Slug}: amend {Paths} was done by an earlier run", seed.Slug, string.Join(",", fields.Paths()));
            return (fresh, false);
        }
        var request = new UpdateCohortRequest { Cohort = patch, UpdateMask = new FieldMask { Paths = { paths } } };
        return (await client.CallAsync($"{seed.Slug}: amend {string.Join(",", paths)}", actor, o => cohorts.UpdateCohortAsync(request, o), cancellationToken), true);
    }

    /// <summary>
    /// Imports the generated learners that are not enrolled yet (matched by student number) through the client-streaming
    /// ImportEnrolments: a header (parent, request id, allow_partial = false), then the rows in batches. Atomic: a bad row
    /// imports nothing and ends the run.
    /// </summary>
    private async Task<bool> ImportRosterAsync(SeedCohort seed, PlannedCohortStep step, string name, CancellationToken cancellationToken)
    {
        var college = College(seed);
        var roster = seeds.Learners[seed.Slug];
        var enrolled = (await ListEnrolmentsAsync(name, college, cancellationToken)).Select(e => e.StudentNumber).ToHashSet(StringComparer.Ordinal);
        if (roster.All(l => enrolled.Contains(l.StudentNumber)))
        {
            return false;
        }
        var requestId = RequestIds.Stable(step.Key);
        var response = await ImportAsync(seed, name, requestId, roster, college, cancellationToken);
        if (response.RolledBack || response.RowsRejected > 0)
        {
            var errors = string.Join("; ", response.Errors.Take(5).Select(e => $"row {e.Row} {e.Field}: {e.Reason}"));
            throw new SeedException($"cohort '{seed.Slug}' ({name}): the roster import was refused, nothing imported: {errors}"
                + (response.Errors.Count > 5 ? $" (and {response.Errors.Count - 5} more)" : ""));
        }
        logger.LogInformation("{Slug}: roster of {Rows} rows: {Imported} imported, {Already} already enrolled",
            seed.Slug, response.RowsReceived, response.RowsImported, response.RowsAlreadyEnrolled);
        return response.RowsImported > 0;
    }

    /// <summary>
    /// The streamed import, wrapped as a unary call so that it gets the same deadline, token and retries on UNAVAILABLE as
    /// every other call (the request id makes a repeat safe).
    /// </summary>
    private async Task<ImportEnrolmentsResponse> ImportAsync(SeedCohort seed, string name, string requestId, IReadOnlyList<SeedLearner> roster,
        Actor college, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CallAsync($"{seed.Slug}: import the roster", college, o => Stream(o), cancellationToken);
        }
        catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
        {
            throw new SeedException($"cohort '{seed.Slug}' ({name}): the roster was imported before from a different roster or by another "
                + $"caller ({GatewayClient.Describe(e)}), and not all {roster.Count} generated learners are enrolled. Were the seeds edited?");
        }

        AsyncUnaryCall<ImportEnrolmentsResponse> Stream(CallOptions options)
        {
            var call = cohorts.ImportEnrolments(options);
            return new AsyncUnaryCall<ImportEnrolmentsResponse>(SendAsync(call), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
        }

        async Task<ImportEnrolmentsResponse> SendAsync(AsyncClientStreamingCall<ImportEnrolmentsRequest, ImportEnrolmentsResponse> call)
        {
            try
            {
                await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest
                {
                    Header = new ImportEnrolmentsRequest.Types.Header { Parent = name, RequestId = requestId, AllowPartial = false },
                }, cancellationToken);
                foreach (var batch in roster.Chunk(RosterBatch))
                {
                    var rows = new RosterRows();
                    // The enterprise mentor is left to the sponsor, who names the masters after the import.
                    rows.Rows.AddRange(batch.Select(l => new RosterRow
                    {
                        StudentNumber = l.StudentNumber, DisplayName = l.DisplayName, IdentityNumber = l.IdentityNumber, CollegeMentor = l.CollegeMentor,
                    }));
                    await call.RequestStream.WriteAsync(new ImportEnrolmentsRequest { Rows = rows }, cancellationToken);
                }
                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
                // The server ended the call early (a refused header, an unavailable service): its status is the answer.
            }
            catch (InvalidOperationException)
            {
                // Writing after the call finished: likewise.
            }
            return await call.ResponseAsync;
        }
    }

    /// <summary>As the first sponsor, names the master of every learner whose enterprise mentor differs (UpdateEnrolment has no request id).</summary>
    private async Task<bool> NameMastersAsync(SeedCohort seed, string name, CancellationToken cancellationToken)
    {
        var sponsor = FirstSponsor(seed);
        var enrolments = await EnrolmentsByNumberAsync(seed, name, sponsor, cancellationToken);
        var wrote = false;
        foreach (var learner in seeds.Learners[seed.Slug])
        {
            if (!enrolments.TryGetValue(learner.StudentNumber, out var enrolment)
                || enrolment.State == EnrolmentState.Withdrawn || enrolment.EnterpriseMentor == learner.EnterpriseMentor)
            {
                continue;
            }
            var request = new UpdateEnrolmentRequest
            {
                Enrolment = new Enrolment { Name = enrolment.Name, Etag = enrolment.Etag, EnterpriseMentor = learner.EnterpriseMentor },
                UpdateMask = new FieldMask { Paths = { "enterprise_mentor" } },
            };
            await client.CallAsync($"{seed.Slug}: name the master of learner {learner.Index}", sponsor,
                o => cohorts.UpdateEnrolmentAsync(request, o), cancellationToken);
            wrote = true;
        }
        return wrote;
    }

    /// <summary>
    /// As the college, once the cohort is in training: starts every learner still waiting, then withdraws the last
    /// <c>withdrawn</c> learners and completes the first <c>completed</c> ones. Each write goes only to an enrolment in the
    /// state it starts from.
    /// </summary>
    private async Task<bool> RunLearnersAsync(SeedCohort seed, string name, CancellationToken cancellationToken)
    {
        var college = College(seed);
        var outcomes = seed.Learners!.Results;
        var roster = seeds.Learners[seed.Slug];
        var enrolments = await EnrolmentsByNumberAsync(seed, name, college, cancellationToken);
        var wrote = false;
        foreach (var learner in roster)
        {
            var enrolment = enrolments[learner.StudentNumber];
            var withdraws = learner.Index > roster.Count - outcomes.Withdrawn;
            var completes = learner.Index <= outcomes.Completed;
            if (enrolment.State == EnrolmentState.WaitingToStart)
            {
                enrolment = await EnrolmentActAsync(seed, learner, "start", enrolment, college,
                    (r, o) => cohorts.StartEnrolmentAsync(new StartEnrolmentRequest { Name = r.Name, Etag = r.Etag, RequestId = r.RequestId }, o), cancellationToken);
                wrote = true;
            }
            if (withdraws && enrolment.State is EnrolmentState.Live or EnrolmentState.Paused)
            {
                enrolment = await EnrolmentActAsync(seed, learner, "withdraw", enrolment, college,
                    (r, o) => cohorts.WithdrawEnrolmentAsync(new WithdrawEnrolmentRequest { Name = r.Name, Etag = r.Etag, RequestId = r.RequestId }, o), cancellationToken);
                wrote = true;
            }
            if (completes && enrolment.State == EnrolmentState.Live)
            {
                enrolment = await EnrolmentActAsync(seed, learner, "complete", enrolment, college,
                    (r, o) => cohorts.CompleteEnrolmentAsync(new CompleteEnrolmentRequest { Name = r.Name, Etag = r.Etag, RequestId = r.RequestId }, o), cancellationToken);
                wrote = true;
            }
            enrolments[learner.StudentNumber] = enrolment;
        }
        return wrote;
    }

    private async Task<Enrolment> EnrolmentActAsync(SeedCohort seed, SeedLearner learner, string act, Enrolment enrolment, Actor college,
        Func<(string Name, string Etag, string RequestId), CallOptions, AsyncUnaryCall<Enrolment>> method, CancellationToken cancellationToken)
    {
        var request = (enrolment.Name, enrolment.Etag, RequestIds.Stable(CohortPlan.Key(seed, $"learner/{learner.Index}/{act}")));
        try
        {
            return await client.CallAsync($"{seed.Slug}: {act} learner {learner.Index}", college, o => method(request, o), cancellationToken);
        }
        catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
        {
            // Done by an earlier run from an older etag; read what it left.
            return await client.CallAsync($"get {enrolment.Name}", college,
                o => cohorts.GetEnrolmentAsync(new GetEnrolmentRequest { Name = enrolment.Name }, o), cancellationToken);
        }
    }

    /// <summary>
    /// As the first sponsor, over the completed learners in learner order: each placement group's learners are offered a
    /// place, accept it and are recorded employed (or decline it); then the retention checks of the first employed learners.
    /// Every placement is read first, and only the missing acts are sent.
    /// </summary>
    private async Task<bool> RecordPlacementsAsync(SeedCohort seed, string name, CancellationToken cancellationToken)
    {
        var sponsor = FirstSponsor(seed);
        var outcomes = seed.Learners!.Results;
        var enrolments = await EnrolmentsByNumberAsync(seed, name, sponsor, cancellationToken);
        var completed = seeds.Learners[seed.Slug].Take(outcomes.Completed).ToList();
        var wrote = false;
        var employed = new List<(SeedLearner Learner, Placement Placement)>();
        var next = 0;
        foreach (var group in outcomes.PlacementGroups)
        {
            foreach (var learner in completed.Skip(next).Take(group.Count))
            {
                var enrolment = enrolments[learner.StudentNumber];
                if (enrolment.State != EnrolmentState.Completed)
                {
                    throw new SeedException($"cohort '{seed.Slug}' ({name}): learner {learner.Index} ({enrolment.Name}) is {enrolment.State}, "
                        + "not completed: placements follow completion.");
                }
                var (placement, placed) = await PlaceAsync(seed, group, learner, $"{enrolment.Name}/placement", sponsor, cancellationToken);
                wrote |= placed;
                if (!group.IsDeclined)
                {
                    employed.Add((learner, placement));
                }
            }
            next += group.Count;
        }
        foreach (var check in outcomes.RetentionChecks)
        {
            for (var i = 0; i < check.Checked; i++)
            {
                var (learner, placement) = employed[i];
                if (placement.RetentionChecks.Any(r => r.Month == check.Month) || placement.State != PlacementState.Employed)
                {
                    continue;
                }
                var request = new RecordRetentionCheckRequest
                {
                    Name = placement.Name, Month = check.Month, StillEmployed = i < check.StillEmployed, SameEmployer = i < check.SameEmployer,
                    Etag = placement.Etag, RequestId = RequestIds.Stable(CohortPlan.Key(seed, $"learner/{learner.Index}/retention/{check.Month}")),
                };
                try
                {
                    employed[i] = (learner, await client.CallAsync($"{seed.Slug}: {check.Month}-month retention of learner {learner.Index}", sponsor,
                        o => cohorts.RecordRetentionCheckAsync(request, o), cancellationToken));
                    wrote = true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists || GatewayClient.IsRequestIdReused(e))
                {
                    // Recorded since the placement was read, or by an earlier run: one check per month, and it stays.
                }
            }
        }
        return wrote;
    }

    /// <summary>Brings one learner's placement to where its group says (employed, or declined); the placement, and whether anything was written.</summary>
    private async Task<(Placement Placement, bool Wrote)> PlaceAsync(SeedCohort seed, SeedPlacementGroup group, SeedLearner learner, string name,
        Actor sponsor, CancellationToken cancellationToken)
    {
        var placement = await GetPlacementAsync(name, sponsor, cancellationToken);
        var code = CohortPlan.EmployerCode(seed, group) ?? seed.Sponsors[0].Organization;
        var employer = data.Organizations.TryGetValue(code, out var known)
            ? known.ToProto()
            : new Common.V1.Organization { CreditCode = code, Name = group.EmployerName ?? "", Kind = Common.V1.OrganizationKind.Enterprise };
        // A declined offer comes from the first sponsor, in the city.
        var inCity = group.InCity ?? known is not null;
        var state = placement?.State ?? PlacementState.Unspecified;
        var wrote = false;
        string Key(string act) => RequestIds.Stable(CohortPlan.Key(seed, $"learner/{learner.Index}/placement/{act}"));
        async Task Act(string act, Func<CallOptions, AsyncUnaryCall<Placement>> call)
        {
            try
            {
                placement = await client.CallAsync($"{seed.Slug}: {act} placement of learner {learner.Index}", sponsor, call, cancellationToken);
            }
            catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
            {
                placement = await GetPlacementAsync(name, sponsor, cancellationToken);
            }
            state = placement?.State ?? PlacementState.Unspecified;
            wrote = true;
        }

        if (state == PlacementState.Unspecified)
        {
            await Act("offer", o => cohorts.OfferPlacementAsync(new OfferPlacementRequest
            {
                Name = name, Employer = employer, InCity = inCity, RequestId = Key("offer"),
            }, o));
        }
        if (group.IsDeclined)
        {
            if (state is PlacementState.Offered or PlacementState.Accepted)
            {
                var etag = placement!.Etag;
                await Act("decline", o => cohorts.DeclinePlacementAsync(new DeclinePlacementRequest { Name = name, Etag = etag, RequestId = Key("decline") }, o));
            }
        }
        else
        {
            if (state == PlacementState.Offered)
            {
                var etag = placement!.Etag;
                await Act("accept", o => cohorts.AcceptPlacementAsync(new AcceptPlacementRequest { Name = name, Etag = etag, RequestId = Key("accept") }, o));
            }
            if (state == PlacementState.Accepted)
            {
                var etag = placement!.Etag;
                await Act("record employment", o => cohorts.RecordEmploymentAsync(new RecordEmploymentRequest
                {
                    Name = name, Employer = employer, InCity = inCity, StartDate = group.StartDate!.Value.ToProto(), Etag = etag, RequestId = Key("employ"),
                }, o));
            }
        }
        return (placement ?? throw new SeedException($"cohort '{seed.Slug}': {name} has no placement after the seeded acts."), wrote);
    }

    private async Task<Placement?> GetPlacementAsync(string name, Actor actor, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CallAsync($"get {name}", actor, o => cohorts.GetPlacementAsync(new GetPlacementRequest { Name = name }, o), cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    private Task<List<Enrolment>> ListEnrolmentsAsync(string cohort, Actor actor, CancellationToken cancellationToken) =>
        ListAsync($"list the enrolments of {cohort}", actor,
            (token, o) => cohorts.ListEnrolmentsAsync(new ListEnrolmentsRequest { Parent = cohort, PageSize = PageSize, PageToken = token }, o),
            r => r.Enrolments, r => r.NextPageToken, cancellationToken);

    /// <summary>The cohort's enrolments by student number; every generated learner must be there.</summary>
    private async Task<Dictionary<string, Enrolment>> EnrolmentsByNumberAsync(SeedCohort seed, string cohort, Actor actor, CancellationToken cancellationToken)
    {
        var enrolments = (await ListEnrolmentsAsync(cohort, actor, cancellationToken)).ToDictionary(e => e.StudentNumber, StringComparer.Ordinal);
        if (seeds.Learners[seed.Slug].FirstOrDefault(l => !enrolments.ContainsKey(l.StudentNumber)) is { } missing)
        {
            throw new SeedException($"cohort '{seed.Slug}' ({cohort}): learner {missing.Index} ({missing.StudentNumber}) is not enrolled.");
        }
        return enrolments;
    }

    /// <summary>What the cohort holds, for its line: learners by state, and the outcomes once learners completed.</summary>
    private async Task<string> ContentsAsync(SeedCohort seed, Cohort cohort, Actor actor, CancellationToken cancellationToken)
    {
        if (seed.Learners is null)
        {
            return $"{cohort.Seats} seats";
        }
        var enrolments = await ListEnrolmentsAsync(cohort.Name, actor, cancellationToken);
        var byState = enrolments.GroupBy(e => e.State).OrderBy(g => g.Key)
            .Select(g => $"{g.Count()} {Snake(g.Key.ToString())}");
        var text = $"{cohort.Seats} seats, {enrolments.Count} learners ({string.Join(", ", byState)})";
        if (enrolments.All(e => e.State != EnrolmentState.Completed))
        {
            return text;
        }
        var outcomes = await client.CallAsync($"outcomes of {cohort.Name}", actor,
            o => cohorts.GetCohortOutcomesAsync(new GetCohortOutcomesRequest { Name = cohort.Name }, o), cancellationToken);
        return text + $"; {outcomes.Employed} employed ({outcomes.EmployedInCity} in the city, {outcomes.EmployedBySponsor} by a sponsor)"
            + (outcomes.HasLandingRate ? $", landing {outcomes.LandingRate.ToString("P1", CultureInfo.InvariantCulture)}" : "")
            + (outcomes.HasCommitmentFulfilment ? $", commitment {outcomes.CommitmentFulfilment.ToString("P1", CultureInfo.InvariantCulture)}" : "");
    }

    private static string Snake(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    /// <summary>Every page of a list, each page a call with its own deadline and retries.</summary>
    private async Task<List<TItem>> ListAsync<TResponse, TItem>(string what, Actor actor, Func<string, CallOptions, AsyncUnaryCall<TResponse>> page,
        Func<TResponse, IEnumerable<TItem>> items, Func<TResponse, string> nextPageToken, CancellationToken cancellationToken)
    {
        var all = new List<TItem>();
        var token = "";
        do
        {
            var pageToken = token;
            var response = await client.CallAsync(what, actor, o => page(pageToken, o), cancellationToken);
            all.AddRange(items(response));
            token = nextPageToken(response);
        }
        while (token.Length > 0);
        return all;
    }

    private static SeedException Failed(SeedCohort seed, string cohort, string what, RpcException e) =>
        new($"cohort '{seed.Slug}' ({cohort}): {what} failed: {GatewayClient.Describe(e)}");

    private static string Line(CohortOutcome outcome)
    {
        var (seed, cohort, created, changed, contents) = outcome;
        var status = created ? "created" : changed ? "updated" : "already present";
        var note = cohort.State == seed.State ? "" : $"  (the seeds expect {CohortPlan.ClaimState(seed.State)})";
        return $"  {status,-15} {CohortPlan.ClaimState(cohort.State),-19} {cohort.DisplayName}  {cohort.Name}  {contents}{note}";
    }
}
