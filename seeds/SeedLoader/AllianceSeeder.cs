using System.Diagnostics;
using Collaboration.Alliances.V1;
using Collaboration.Shared.Data;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Seeds;

public sealed record AllianceOutcome(SeedAlliance Seed, Alliance Alliance, bool Created);

/// <summary>
/// Walks every seeded alliance through the public API to the state its history ends in. Every write
/// carries a request id derived from the step, so a second run replays instead of writing twice.
/// </summary>
public sealed class AllianceSeeder(GatewayClient client, SeedData data, Actor admin, Func<SeedOrganization, Actor> ownerOf,
    ILogger logger, TextWriter output)
{
    public async Task<IReadOnlyList<AllianceOutcome>> SeedAsync(CancellationToken cancellationToken)
    {
        if (!await client.WaitForAsync("the Alliances API", admin,
            o => client.Alliances.ListAlliancesAsync(new ListAlliancesRequest { PageSize = 1 }, o), cancellationToken))
        {
            output.WriteLine($"Skipped {data.Alliances.Count} alliances: {client.Address} does not serve collaboration.alliances.v1 (UNIMPLEMENTED).");
            return [];
        }
        var outcomes = await GatewayClient.SeedEachAsync(data.Alliances, "alliance", s => s.Slug,
            s => SeedAllianceAsync(s, cancellationToken), Line, output);
        var created = outcomes.Count(o => o.Created);
        var off = outcomes.Count(o => o.Alliance.State != o.Seed.State);
        output.WriteLine($"Done: {outcomes.Count} alliances, {created} created, {outcomes.Count - created} already present"
            + (off > 0 ? $"; {off} not in the seeded state (changed outside the seeds?)" : "") + ".");
        return outcomes;
    }

    private async Task<AllianceOutcome> SeedAllianceAsync(SeedAlliance seed, CancellationToken cancellationToken)
    {
        var lead = ownerOf(data.Organizations[seed.Lead]);
        // A replayed create answers exactly like the first one did, so whether the alliance was
        // already there is asked before creating.
        var existed = await FindAsync(seed, cancellationToken) is not null;
        var alliance = await CreateAsync(seed, lead, cancellationToken);
        var current = await GetAsync(alliance.Name, lead, cancellationToken);
        foreach (var step in SeedData.Plan(seed))
        {
            // Steps only go forward, so a step whose state the alliance has left was done by an earlier run.
            if (current.State != step.From)
            {
                logger.LogDebug("{Slug}: {Step} was done by an earlier run", seed.Slug, SeedData.Describe(step.Act));
                continue;
            }
            try
            {
                current = await ApplyAsync(seed, step, current, lead, cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw new SeedException($"alliance '{seed.Slug}' ({alliance.Name}): {SeedData.Describe(step.Act)} failed: {GatewayClient.Describe(e)}");
            }
        }
        return new AllianceOutcome(seed, await GetAsync(alliance.Name, lead, cancellationToken), !existed);
    }

    private async Task<Alliance> CreateAsync(SeedAlliance seed, Actor lead, CancellationToken cancellationToken)
    {
        var request = new CreateAllianceRequest
        {
            Alliance = new Alliance
            {
                DisplayName = seed.DisplayName,
                ShortName = seed.ShortName,
                IndustryChain = seed.IndustryChain,
                LeadOrganization = data.Organizations[seed.Lead].ToProto(),
                CharterSummary = seed.CharterSummary,
                FoundedDate = seed.FoundedDate.ToProto(),
            },
            RequestId = RequestIds.Stable($"alliance/{seed.Slug}/create"),
        };
        try
        {
            return await client.CallAsync($"create {seed.Slug}", lead, o => client.Alliances.CreateAllianceAsync(request, o), cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists || GatewayClient.IsRequestIdReused(e))
        {
            // The alliance exists, but not from this exact request (its seed was edited, or the request
            // ids were purged): carry on with the one that is there.
            return await FindAsync(seed, cancellationToken)
                ?? throw new SeedException($"alliance '{seed.Slug}': create refused ({GatewayClient.Describe(e)}) and no alliance named {seed.DisplayName} led by {seed.Lead} was found.");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw new SeedException($"alliance '{seed.Slug}': create failed: {GatewayClient.Describe(e)}");
        }
    }

    /// <summary>The alliance of this name led by the seed's lead: the lead is a current member of every alliance it leads.</summary>
    private async Task<Alliance?> FindAsync(SeedAlliance seed, CancellationToken cancellationToken)
    {
        var request = new ListAlliancesRequest { MemberCreditCode = seed.Lead, PageSize = 200 };
        var matches = new List<Alliance>();
        do
        {
            var page = await client.CallAsync($"find {seed.Slug}", admin, o => client.Alliances.ListAlliancesAsync(request, o), cancellationToken);
            matches.AddRange(page.Alliances.Where(a => a.DisplayName == seed.DisplayName && a.LeadOrganization?.CreditCode == seed.Lead));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        // Names are unique only among alliances that are not dissolved.
        return matches.FirstOrDefault(a => a.State != State.Dissolved) ?? matches.FirstOrDefault();
    }

    private Task<Alliance> GetAsync(string name, Actor actor, CancellationToken cancellationToken) =>
        client.CallAsync($"get {name}", actor, o => client.Alliances.GetAllianceAsync(new GetAllianceRequest { Name = name }, o), cancellationToken);

    private async Task<Alliance> ApplyAsync(SeedAlliance seed, PlannedStep step, Alliance current, Actor lead, CancellationToken cancellationToken)
    {
        var requestId = RequestIds.Stable(step.Key);
        var what = $"{seed.Slug}: {SeedData.Describe(step.Act)}";
        switch (step.Act)
        {
            case AddMemberAct add:
                var member = new Member
                {
                    Organization = data.Organizations[add.Member.Organization].ToProto(),
                    Role = add.Member.Role,
                    JoinedDate = add.Member.JoinedDate.ToProto(),
                };
                await Tolerating(StatusCode.AlreadyExists, client.CallAsync(what, lead, o => client.Alliances.AddMemberAsync(
                    new AddMemberRequest { Parent = current.Name, Member = member, RequestId = requestId }, o), cancellationToken));
                return current;
            case RemoveMemberAct remove:
                var leaving = await FindMemberAsync(current.Name, remove.Organization, lead, cancellationToken);
                if (leaving is { LeftDate: null })
                {
                    await client.CallAsync(what, lead, o => client.Alliances.RemoveMemberAsync(
                        new RemoveMemberRequest { Name = leaving.Name, LeftDate = remove.LeftDate.ToProto(), RequestId = requestId }, o), cancellationToken);
                }
                return current;
            case EvaluateAct evaluate:
                await Tolerating(StatusCode.AlreadyExists, client.CallAsync(what, admin, o => client.Alliances.RecordEvaluationAsync(
                    new RecordEvaluationRequest { Parent = current.Name, Year = evaluate.Year, Score = evaluate.Score, Remarks = evaluate.Remarks, RequestId = requestId }, o),
                    cancellationToken));
                return current;
        }

        // Lifecycle acts carry the etag just read: member and evaluation writes may have changed it.
        var fresh = await GetAsync(current.Name, lead, cancellationToken);
        if (fresh.State != step.From)
        {
            return fresh;
        }
        try
        {
            return await client.CallAsync(what, step.Act is SubmitAct ? lead : admin, o => Transition(step.Act, fresh, requestId, o), cancellationToken);
        }
        catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
        {
            // An earlier run did this step with an etag read back then; the alliance has moved on since
            // and is back in this step's state (e.g. submitted again after a return).
            return fresh;
        }
    }

    private AsyncUnaryCall<Alliance> Transition(SeedAct act, Alliance alliance, string requestId, CallOptions options) => act switch
    {
        SubmitAct => client.Alliances.SubmitAllianceAsync(
            new SubmitAllianceRequest { Name = alliance.Name, Etag = alliance.Etag, RequestId = requestId }, options),
        ReturnAct r => client.Alliances.ReturnAllianceAsync(
            new ReturnAllianceRequest { Name = alliance.Name, Etag = alliance.Etag, RequestId = requestId, Reason = r.Reason }, options),
        ApproveAct => client.Alliances.ApproveAllianceAsync(
            new ApproveAllianceRequest { Name = alliance.Name, Etag = alliance.Etag, RequestId = requestId }, options),
        RequireRectificationAct r => client.Alliances.RequireAllianceRectificationAsync(
            new RequireAllianceRectificationRequest { Name = alliance.Name, Etag = alliance.Etag, RequestId = requestId, Reason = r.Reason }, options),
        ReinstateAct => client.Alliances.ReinstateAllianceAsync(
            new ReinstateAllianceRequest { Name = alliance.Name, Etag = alliance.Etag, RequestId = requestId }, options),
        DissolveAct r => client.Alliances.DissolveAllianceAsync(
            new DissolveAllianceRequest { Name = alliance.Name, Etag = alliance.Etag, RequestId = requestId, Reason = r.Reason }, options),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "not a lifecycle act"),
    };

    private async Task<Member?> FindMemberAsync(string alliance, string creditCode, Actor actor, CancellationToken cancellationToken)
    {
        var request = new ListMembersRequest { Parent = alliance, ShowLeft = true, PageSize = 200 };
        Member? found = null;
        do
        {
            var page = await client.CallAsync($"list members of {alliance}", actor, o => client.Alliances.ListMembersAsync(request, o), cancellationToken);
            // History is kept, so an organisation may appear more than once: the current link matters.
            foreach (var member in page.Members.Where(m => m.Organization?.CreditCode == creditCode))
            {
                found = found is { LeftDate: null } ? found : member;
            }
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return found;
    }

    private static async Task Tolerating<T>(StatusCode meansDone, Task<T> call)
    {
        try
        {
            await call;
        }
        catch (RpcException e) when (e.StatusCode == meansDone)
        {
        }
    }

    private string Line(AllianceOutcome outcome)
    {
        var (seed, alliance, created) = outcome;
        var status = created ? "created" : "already present";
        var state = SeedData.ClaimState(alliance.State);
        var note = alliance.State == seed.State ? "" : $"  (the seeds expect {SeedData.ClaimState(seed.State)})";
        return $"  {status,-15} {state,-13} {seed.DisplayName}  {alliance.Name}  {alliance.MemberCount} members{note}";
    }
}
