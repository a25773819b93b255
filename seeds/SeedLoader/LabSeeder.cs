using System.Diagnostics;
using Collaboration.Labs.V1;
using Collaboration.Shared.Data;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Seeds;

/// <summary>
/// A platform after seeding. <paramref name="Expected"/> is the seeded state (none for an upgrade
/// application); <paramref name="Changed"/> says whether this run wrote anything to it.
/// </summary>
public sealed record LabOutcome(string Slug, Lab Lab, bool Created, State? Expected, bool Changed, string? UpgradeOf = null);

/// <summary>
/// Walks every seeded innovation platform through the public API: create as an owner of the host,
/// partners, posts (filled when the seeds name an appointment), then the history, the host's acts
/// as the host and the rest as a city admin. Every write carries a request id derived from the
/// step, so a second run replays instead of writing twice; partners and posts that are there, and
/// steps whose state a platform has left, are skipped.
/// </summary>
public sealed class LabSeeder(GatewayClient client, SeedData data, Actor admin, Func<SeedOrganization, Actor> ownerOf,
    ILogger logger, TextWriter output)
{
    private const int PageSize = 200;
    private static readonly ActivitySource Activity = new(typeof(LabSeeder).Assembly.GetName().Name!);
    private readonly Dictionary<string, string> _upgrades = new(StringComparer.Ordinal);

    /// <summary>The upgrade applications by the slug their request_upgrade act gave them: "labs/{lab}".</summary>
    public IReadOnlyDictionary<string, string> Upgrades => _upgrades;

    public async Task<IReadOnlyList<LabOutcome>> SeedAsync(CancellationToken cancellationToken)
    {
        if (!await client.WaitForAsync("the Labs API", admin,
            o => client.Labs.ListLabsAsync(new ListLabsRequest { PageSize = 1 }, o), cancellationToken))
        {
            output.WriteLine($"Skipped {data.Labs.Count} labs: {client.Address} does not serve collaboration.labs.v1 (UNIMPLEMENTED).");
            return [];
        }
        var outcomes = await GatewayClient.SeedEachAsync(data.Labs, "lab", s => s.Slug,
            s => SeedLabAsync(s, cancellationToken), Line, output);

        var labs = outcomes.Where(o => o.UpgradeOf is null).ToList();
        var upgrades = outcomes.Count - labs.Count;
        var created = labs.Count(o => o.Created);
        var off = labs.Where(o => o.Lab.State != o.Expected).ToList();
        var untouched = off.Count(o => !o.Changed);
        output.WriteLine($"Done: {labs.Count} labs, {created} created, {labs.Count - created} already present"
            + (upgrades > 0 ? $"; {upgrades} upgrade applications, {outcomes.Count(o => o.UpgradeOf is not null && o.Created)} created" : "")
            + (untouched > 0 ? $"; {untouched} not in the seeded state (changed outside the seeds?)" : "") + ".");
        // A platform this run walked must end where labs.json says: otherwise the service's rules and the seeds disagree.
        if (off.Where(o => o.Changed).ToList() is { Count: > 0 } wrong)
        {
            throw new SeedException($"{wrong.Count} labs did not end in their seeded state: "
                + string.Join("; ", wrong.Select(o => $"{o.Slug} ({o.Lab.Name}) is {LabPlan.ClaimState(o.Lab.State)}, {LabPlan.FileName} says {LabPlan.ClaimState(o.Expected!.Value)}"))
                + ". Do the Labs service's rules still match the seeds?");
        }
        return outcomes;
    }

    private async Task<IReadOnlyList<LabOutcome>> SeedLabAsync(SeedLab seed, CancellationToken cancellationToken)
    {
        var host = ownerOf(data.Organizations[seed.Host]);
        // A replayed create answers exactly like the first one did, so whether the platform was
        // already there is asked before creating.
        var existed = await FindAsync(seed, cancellationToken) is not null;
        var lab = await CreateAsync(seed, host, cancellationToken);
        var changed = !existed;
        var current = await GetAsync(lab.Name, host, cancellationToken);
        // Partners and posts are added right after creation; a final platform takes neither.
        if (!LabPlan.IsFinal(current.State))
        {
            changed |= await AddPartnersAsync(seed, current.Name, host, cancellationToken);
            changed |= await AddPostsAsync(seed, current.Name, host, cancellationToken);
        }

        var applications = new List<LabOutcome>();
        foreach (var step in LabPlan.Plan(seed))
        {
            var what = $"{LabPlan.Describe(step.Act)} failed";
            try
            {
                if (step.Act is LabAct.RequestUpgrade upgrade)
                {
                    // The upgrade leaves the platform's state as it is: whether it was done is asked of the list.
                    if (await RequestUpgradeAsync(seed, step, upgrade, current, host, cancellationToken) is { } application)
                    {
                        applications.Add(application);
                        changed |= application.Created;
                    }
                    continue;
                }
                // The walk only goes forward, so a step whose state the platform is not in was done by an
                // earlier run (or cannot be done: the final check says so).
                if (current.State != step.From)
                {
                    logger.LogDebug("{Slug}: {Step} was done by an earlier run", seed.Slug, LabPlan.Describe(step.Act));
                    continue;
                }
                (current, var applied) = await ApplyAsync(seed, step, current, host, cancellationToken);
                changed |= applied;
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw new SeedException($"lab '{seed.Slug}' ({current.Name}): {what}: {GatewayClient.Describe(e)}");
            }
        }

        var outcomes = new List<LabOutcome> { new(seed.Slug, await GetAsync(lab.Name, host, cancellationToken), !existed, seed.State, changed) };
        foreach (var application in applications)
        {
            outcomes.Add(application with { Lab = await GetAsync(application.Lab.Name, host, cancellationToken) });
        }
        return outcomes;
    }

    private async Task<Lab> CreateAsync(SeedLab seed, Actor host, CancellationToken cancellationToken)
    {
        var request = new CreateLabRequest
        {
            Lab = new Lab
            {
                Kind = seed.Kind,
                Level = seed.Level,
                DisplayName = seed.DisplayName,
                HostOrganization = data.Organizations[seed.Host].ToProto(),
                ResearchField = seed.ResearchField,
                Director = new Lab.Types.Director { Name = seed.Director.Name, Title = seed.Director.Title },
                ApplicationSummary = seed.ApplicationSummary,
            },
            RequestId = RequestIds.Stable(LabPlan.Key(seed, "create")),
        };
        try
        {
            return await client.CallAsync($"create {seed.Slug}", host, o => client.Labs.CreateLabAsync(request, o), cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists || GatewayClient.IsRequestIdReused(e))
        {
            // The platform exists, but not from this exact request (its seed was edited, or the request
            // ids were purged): carry on with the one that is there.
            return await FindAsync(seed, cancellationToken)
                ?? throw new SeedException($"lab '{seed.Slug}': create refused ({GatewayClient.Describe(e)}) and no platform named {seed.DisplayName} hosted by {seed.Host} was found.");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw new SeedException($"lab '{seed.Slug}': create failed: {GatewayClient.Describe(e)}");
        }
    }

    /// <summary>
    /// The seeded platform among the host's: same display name, kind and level, and not an upgrade
    /// application (which copies the name of the platform it upgrades).
    /// </summary>
    private async Task<Lab?> FindAsync(SeedLab seed, CancellationToken cancellationToken) =>
        (await ListHostLabsAsync(seed, cancellationToken)).FirstOrDefault(l =>
            l.DisplayName == seed.DisplayName.Trim() && l.Kind == seed.Kind && l.Level == seed.Level && l.UpgradeOf.Length == 0);

    private async Task<IReadOnlyList<Lab>> ListHostLabsAsync(SeedLab seed, CancellationToken cancellationToken)
    {
        var request = new ListLabsRequest { HostCreditCode = seed.Host, PageSize = PageSize };
        var labs = new List<Lab>();
        do
        {
            var page = await client.CallAsync($"list the labs of {seed.Host}", admin, o => client.Labs.ListLabsAsync(request, o), cancellationToken);
            labs.AddRange(page.Labs);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return labs;
    }

    private Task<Lab> GetAsync(string name, Actor actor, CancellationToken cancellationToken) =>
        client.CallAsync($"get {name}", actor, o => client.Labs.GetLabAsync(new GetLabRequest { Name = name }, o), cancellationToken);

    /// <summary>Adds the seeded partners the platform has never had; true when it added any.</summary>
    private async Task<bool> AddPartnersAsync(SeedLab seed, string lab, Actor host, CancellationToken cancellationToken)
    {
        if (seed.Partners.Count == 0)
        {
            return false;
        }
        var present = new HashSet<string>(StringComparer.Ordinal);
        var list = new ListLabPartnersRequest { Parent = lab, ShowLeft = true, PageSize = PageSize };
        do
        {
            var page = await client.CallAsync($"list the partners of {lab}", host, o => client.Labs.ListLabPartnersAsync(list, o), cancellationToken);
            present.UnionWith(page.Partners.Select(p => p.Organization?.CreditCode ?? ""));
            list.PageToken = page.NextPageToken;
        }
        while (list.PageToken.Length > 0);

        var added = false;
        foreach (var partner in seed.Partners.Where(p => !present.Contains(p.Organization)))
        {
            var request = new AddLabPartnerRequest
            {
                Parent = lab,
                Partner = new Partner { Organization = data.Organizations[partner.Organization].ToProto(), JoinedDate = partner.JoinedDate.ToProto() },
                RequestId = RequestIds.Stable(LabPlan.Key(seed, $"partner/{partner.Organization}/add")),
            };
            try
            {
                await client.CallAsync($"{seed.Slug}: add partner {partner.Organization}", host, o => client.Labs.AddLabPartnerAsync(request, o), cancellationToken);
                added = true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw new SeedException($"lab '{seed.Slug}' ({lab}): add partner {partner.Organization} failed: {GatewayClient.Describe(e)}");
            }
        }
        return added;
    }

    /// <summary>
    /// Creates the seeded posts the platform does not have (matched by kind and field) and fills the
    /// open ones the seeds name an appointment for; true when it wrote anything.
    /// </summary>
    private async Task<bool> AddPostsAsync(SeedLab seed, string lab, Actor host, CancellationToken cancellationToken)
    {
        if (seed.Posts.Count == 0)
        {
            return false;
        }
        var existing = new List<Post>();
        var list = new ListLabPostsRequest { Parent = lab, PageSize = PageSize };
        do
        {
            var page = await client.CallAsync($"list the posts of {lab}", host, o => client.Labs.ListLabPostsAsync(list, o), cancellationToken);
            existing.AddRange(page.Posts);
            list.PageToken = page.NextPageToken;
        }
        while (list.PageToken.Length > 0);

        var wrote = false;
        foreach (var seeded in seed.Posts)
        {
            var key = LabPlan.PostKey(seeded);
            var what = $"{seed.Slug}: post {key}";
            try
            {
                var post = existing.FirstOrDefault(p => p.Kind == seeded.Kind && p.Field == seeded.Field.Trim());
                if (post is not null)
                {
                    existing.Remove(post);
                }
                else
                {
                    var create = new CreateLabPostRequest
                    {
                        Parent = lab,
                        Post = new Post { Kind = seeded.Kind, Field = seeded.Field, Engagement = seeded.Engagement },
                        RequestId = RequestIds.Stable(LabPlan.Key(seed, $"{key}/create")),
                    };
                    post = await client.CallAsync($"{what}: create", host, o => client.Labs.CreateLabPostAsync(create, o), cancellationToken);
                    wrote = true;
                }
                if (seeded.Appointment is not { } appointment || post.State != Post.Types.State.Open)
                {
                    continue;
                }
                var fill = new FillLabPostRequest
                {
                    Name = post.Name,
                    Etag = post.Etag,
                    RequestId = RequestIds.Stable(LabPlan.Key(seed, $"{key}/fill")),
                    Appointment = new Post.Types.Appointment
                    {
                        PersonName = appointment.PersonName,
                        HomeOrganization = data.Organizations[appointment.HomeOrganization].ToProto(),
                        StartDate = appointment.StartDate.ToProto(),
                        EndDate = appointment.EndDate?.ToProto(),
                    },
                };
                await client.CallAsync($"{what}: fill", host, o => client.Labs.FillLabPostAsync(fill, o), cancellationToken);
                wrote = true;
            }
            catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
            {
                // Done by an earlier run with a request that differed (an edited seed or an older etag).
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw new SeedException($"lab '{seed.Slug}' ({lab}): post {key} failed: {GatewayClient.Describe(e)}");
            }
        }
        return wrote;
    }

    /// <summary>One step of the history; the platform afterwards, and whether the step wrote anything.</summary>
    private async Task<(Lab Lab, bool Applied)> ApplyAsync(SeedLab seed, PlannedLabStep step, Lab current, Actor host, CancellationToken cancellationToken)
    {
        var requestId = RequestIds.Stable(step.Key);
        var what = $"{seed.Slug}: {LabPlan.Describe(step.Act)}";
        if (step.Act is LabAct.Evaluate evaluate)
        {
            var request = new RecordLabEvaluationRequest { Parent = current.Name, Cycle = evaluate.Cycle, Remarks = evaluate.Remarks, RequestId = requestId };
            if (evaluate.Score is { } score)
            {
                request.Score = score;
            }
            try
            {
                await client.CallAsync(what, admin, o => client.Labs.RecordLabEvaluationAsync(request, o), cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists || GatewayClient.IsRequestIdReused(e))
            {
                return (current, false);
            }
            // The result may have moved the platform on (rectification, revocation).
            return (await GetAsync(current.Name, host, cancellationToken), true);
        }

        // Lifecycle acts carry the etag just read: partner writes and evaluations may have changed it.
        var fresh = await GetAsync(current.Name, host, cancellationToken);
        if (fresh.State != step.From)
        {
            return (fresh, false);
        }
        try
        {
            var actor = LabPlan.IsHostAct(step.Act) ? host : admin;
            return (await client.CallAsync(what, actor, o => Transition(step.Act, fresh, requestId, o), cancellationToken), true);
        }
        catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
        {
            // An earlier run did this step with an etag read back then; the platform has moved on since
            // and is back in this step's state (submitted again after a return, a second acceptance request).
            return (fresh, false);
        }
    }

    private AsyncUnaryCall<Lab> Transition(LabAct act, Lab lab, string requestId, CallOptions options) => act switch
    {
        LabAct.Submit => client.Labs.SubmitLabAsync(
            new SubmitLabRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId }, options),
        LabAct.Return r => client.Labs.ReturnLabAsync(
            new ReturnLabRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId, Reason = r.Reason }, options),
        LabAct.StartPreliminaryReview => client.Labs.StartLabPreliminaryReviewAsync(
            new StartLabPreliminaryReviewRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId }, options),
        LabAct.PassPreliminaryReview => client.Labs.PassLabPreliminaryReviewAsync(
            new PassLabPreliminaryReviewRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId }, options),
        LabAct.PassExpertReview => client.Labs.PassLabExpertReviewAsync(
            new PassLabExpertReviewRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId }, options),
        LabAct.Reject r => client.Labs.RejectLabAsync(
            new RejectLabRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId, Reason = r.Reason }, options),
        LabAct.Accredit => client.Labs.AccreditLabAsync(
            new AccreditLabRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId }, options),
        LabAct.StartConstruction => client.Labs.StartLabConstructionAsync(
            new StartLabConstructionRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId }, options),
        LabAct.RequestAcceptance => client.Labs.RequestLabAcceptanceAsync(
            new RequestLabAcceptanceRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId }, options),
        LabAct.PassAcceptance => client.Labs.PassLabAcceptanceAsync(
            new PassLabAcceptanceRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId }, options),
        LabAct.DeferAcceptance d => client.Labs.DeferLabAcceptanceAsync(
            new DeferLabAcceptanceRequest
            {
                Name = lab.Name, Etag = lab.Etag, RequestId = requestId, ConstructionDeadline = d.ConstructionDeadline.ToProto(), Reason = d.Reason,
            }, options),
        LabAct.CompleteRectification => client.Labs.CompleteLabRectificationAsync(
            new CompleteLabRectificationRequest { Name = lab.Name, Etag = lab.Etag, RequestId = requestId }, options),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "not a lifecycle act"),
    };

    /// <summary>
    /// The upgrade application of <paramref name="current"/>: the one already there, else a new one when the
    /// platform operates; null when there is none and the platform is not in the state to ask.
    /// </summary>
    private async Task<LabOutcome?> RequestUpgradeAsync(SeedLab seed, PlannedLabStep step, LabAct.RequestUpgrade upgrade, Lab current,
        Actor host, CancellationToken cancellationToken)
    {
        var application = await FindUpgradeAsync(seed, current.Name, cancellationToken);
        var created = false;
        if (application is null)
        {
            if (current.State != step.From)
            {
                logger.LogDebug("{Slug}: no upgrade application and the platform is {State}; {Step} skipped",
                    seed.Slug, LabPlan.ClaimState(current.State), LabPlan.Describe(upgrade));
                return null;
            }
            var fresh = await GetAsync(current.Name, host, cancellationToken);
            var request = new RequestLabUpgradeRequest { Name = fresh.Name, Etag = fresh.Etag, RequestId = RequestIds.Stable(step.Key) };
            try
            {
                application = await client.CallAsync($"{seed.Slug}: {LabPlan.Describe(upgrade)}", host,
                    o => client.Labs.RequestLabUpgradeAsync(request, o), cancellationToken);
                created = true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists || GatewayClient.IsRequestIdReused(e))
            {
                application = await FindUpgradeAsync(seed, current.Name, cancellationToken)
                    ?? throw new SeedException($"lab '{seed.Slug}': {LabPlan.Describe(upgrade)} refused ({GatewayClient.Describe(e)}) and no upgrade application of {current.Name} was found.");
            }
        }
        _upgrades[upgrade.Slug] = application.Name;
        return new LabOutcome(upgrade.Slug, application, created, null, created, seed.Slug);
    }

    /// <summary>The live upgrade application of <paramref name="lab"/> (a rejected one only when there is no other).</summary>
    private async Task<Lab?> FindUpgradeAsync(SeedLab seed, string lab, CancellationToken cancellationToken)
    {
        var applications = (await ListHostLabsAsync(seed, cancellationToken)).Where(l => l.UpgradeOf == lab).ToList();
        return applications.FirstOrDefault(l => l.State != State.Rejected) ?? applications.FirstOrDefault();
    }

    private static string Line(LabOutcome outcome)
    {
        var (slug, lab, created, expected, _, upgradeOf) = outcome;
        var status = created ? "created" : "already present";
        var state = LabPlan.ClaimState(lab.State);
        var detail = upgradeOf is null
            ? $"{lab.PartnerCount} partners"
            : $"{lab.Level.ToString().ToLowerInvariant()} upgrade application '{slug}' of {upgradeOf}";
        var note = expected is { } seeded && seeded != lab.State ? $"  (the seeds expect {LabPlan.ClaimState(seeded)})" : "";
        return $"  {status,-15} {state,-25} {lab.DisplayName}  {lab.Name}  {detail}{note}";
    }
}
