using System.Diagnostics;
using Collaboration.Colleges.V1;
using Collaboration.Shared.Data;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.Seeds;

/// <summary>
/// An industrial college after seeding. <paramref name="Changed"/> says whether this run wrote anything to it;
/// <paramref name="Contents"/> sums up its partners, contributions and reports.
/// </summary>
public sealed record CollegeOutcome(SeedCollege Seed, IndustrialCollege College, bool Created, bool Changed, string Contents);

/// <summary>
/// Walks every seeded industrial college through the public API: create as an owner of the host, add the
/// partners, walk the history (submit and open as the host, the rest as a city admin), then the contents:
/// courses, training bases and mentors as an owner of the contributing enterprise, the departures of partners
/// that left (after their contributions, which stay on record), and the annual reports as the host, accepted
/// by an admin where the seeds say so. The contents come at the end of the history, or before a closure.
/// Every write carries a request id derived from the step, and what a college already has (listed first:
/// partners, contributions, reports) is not added again, so a second run adds nothing.
/// </summary>
public sealed class CollegeSeeder(GatewayClient client, SeedData data, Actor admin, Func<SeedOrganization, Actor> ownerOf,
    ILogger logger, TextWriter output)
{
    private const int PageSize = 200;
    public async Task<IReadOnlyList<CollegeOutcome>> SeedAsync(CancellationToken cancellationToken)
    {
        if (!await client.WaitForAsync("the Industrial Colleges API", admin,
            o => client.Colleges.ListIndustrialCollegesAsync(new ListIndustrialCollegesRequest { PageSize = 1 }, o), cancellationToken))
        {
            output.WriteLine($"Skipped {data.Colleges.Count} industrial colleges: {client.Address} does not serve collaboration.colleges.v1 (UNIMPLEMENTED).");
            return [];
        }
        var outcomes = await GatewayClient.SeedEachAsync(data.Colleges, "industrial college", s => s.Slug,
            s => SeedCollegeAsync(s, cancellationToken), Line, output);

        var created = outcomes.Count(o => o.Created);
        var off = outcomes.Where(o => o.College.State != o.Seed.State).ToList();
        var untouched = off.Count(o => !o.Changed);
        output.WriteLine($"Done: {outcomes.Count} industrial colleges, {created} created, {outcomes.Count - created} already present"
            + (untouched > 0 ? $"; {untouched} not in the seeded state (changed outside the seeds?)" : "") + ".");
        // A college this run walked must end where the seeds say: otherwise the service's rules and the seeds disagree.
        if (off.Where(o => o.Changed).ToList() is { Count: > 0 } wrong)
        {
            throw new SeedException($"{wrong.Count} industrial colleges did not end in their seeded state: "
                + string.Join("; ", wrong.Select(o => $"{o.Seed.Slug} ({o.College.Name}) is {CollegePlan.ClaimState(o.College.State)}, "
                    + $"{CollegePlan.FileName} says {CollegePlan.ClaimState(o.Seed.State)}"))
                + ". Do the Industrial Colleges service's rules still match the seeds?");
        }
        return outcomes;
    }

    private async Task<CollegeOutcome> SeedCollegeAsync(SeedCollege seed, CancellationToken cancellationToken)
    {
        var host = ownerOf(data.Organizations[seed.Host]);
        // A replayed create answers exactly like the first one did, so whether the college was
        // already there is asked before creating.
        var existed = await FindAsync(seed, anyChain: false, cancellationToken) is not null;
        var name = (await CreateAsync(seed, host, cancellationToken)).Name;
        var changed = !existed;
        var current = await GetAsync(name, host, cancellationToken);
        // Partners come right after creation (a college is submitted with at least one); they change only while it is editable.
        if (CollegePlan.IsEditable(current.State))
        {
            changed |= await AddPartnersAsync(seed, name, host, cancellationToken);
        }

        var walk = CollegePlan.Walk(seed);
        for (var index = 0; index <= walk.Steps.Count; index++)
        {
            if (index == walk.ContentsAt)
            {
                // Contributions, departures and reports belong to the state the history reaches before them;
                // a college that has left it was given them by an earlier run (or cannot take them now).
                if (current.State == walk.ContentsFrom)
                {
                    changed |= await AddContributionsAsync(seed, name, host, cancellationToken);
                    changed |= await RemoveDepartedPartnersAsync(seed, name, host, cancellationToken);
                    changed |= await FileReportsAsync(seed, name, host, cancellationToken);
                }
                else
                {
                    logger.LogDebug("{Slug}: contents skipped, the college is {State} (they belong to {Planned})",
                        seed.Slug, CollegePlan.ClaimState(current.State), CollegePlan.ClaimState(walk.ContentsFrom));
                }
            }
            if (index == walk.Steps.Count)
            {
                break;
            }
            var step = walk.Steps[index];
            // The walk only goes forward, so a step whose state the college is not in was done by an
            // earlier run (or cannot be done: the final check says so).
            if (current.State != step.From)
            {
                logger.LogDebug("{Slug}: {Step} was done by an earlier run", seed.Slug, CollegePlan.Describe(step.Act));
                continue;
            }
            try
            {
                (current, var applied) = await ApplyAsync(seed, step, name, host, cancellationToken);
                changed |= applied;
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw Failed(seed, name, CollegePlan.Describe(step.Act), e);
            }
        }

        var college = await GetAsync(name, host, cancellationToken);
        return new CollegeOutcome(seed, college, !existed, changed, await ContentsAsync(name, host, cancellationToken));
    }

    private async Task<IndustrialCollege> CreateAsync(SeedCollege seed, Actor host, CancellationToken cancellationToken)
    {
        var request = new CreateIndustrialCollegeRequest
        {
            IndustrialCollege = new IndustrialCollege
            {
                DisplayName = seed.DisplayName,
                HostCollege = data.Organizations[seed.Host].ToProto(),
                IndustryChain = seed.IndustryChain,
                AnnualEnrolmentCapacity = seed.AnnualEnrolmentCapacity,
                MajorCatalogueYear = seed.MajorCatalogueYear,
                Majors = { seed.Majors.Select(code => new Major { Code = code }) },
            },
            RequestId = RequestIds.Stable(CollegePlan.Key(seed, "create")),
        };
        try
        {
            return await client.CallAsync($"create {seed.Slug}", host, o => client.Colleges.CreateIndustrialCollegeAsync(request, o), cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists || GatewayClient.IsRequestIdReused(e))
        {
            // The college exists, but not from this exact request (its seed was edited, or the request ids
            // were purged): carry on with the one that is there, whatever its industry chain is now.
            return await FindAsync(seed, anyChain: true, cancellationToken)
                ?? throw new SeedException($"industrial college '{seed.Slug}': create refused ({GatewayClient.Describe(e)}) and no college named {seed.DisplayName} hosted by {seed.Host} was found.");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw new SeedException($"industrial college '{seed.Slug}': create failed: {GatewayClient.Describe(e)}");
        }
    }

    /// <summary>
    /// The seeded college: same host and display name. The list filters by industry chain only (there is no
    /// host filter), so <paramref name="anyChain"/> widens the search to a college whose chain was changed.
    /// </summary>
    private async Task<IndustrialCollege?> FindAsync(SeedCollege seed, bool anyChain, CancellationToken cancellationToken)
    {
        var chain = anyChain ? "" : seed.IndustryChain;
        var colleges = await ListAsync($"find {seed.Slug}", admin,
            (token, o) => client.Colleges.ListIndustrialCollegesAsync(
                new ListIndustrialCollegesRequest { IndustryChain = chain, PageSize = PageSize, PageToken = token }, o),
            r => r.IndustrialColleges, r => r.NextPageToken, cancellationToken);
        var matches = colleges.Where(c => c.HostCollege?.CreditCode == seed.Host && c.DisplayName == seed.DisplayName.Trim()).ToList();
        // Names are unique only among colleges that are not closed.
        return matches.FirstOrDefault(c => c.State != State.Closed) ?? matches.FirstOrDefault();
    }

    private Task<IndustrialCollege> GetAsync(string name, Actor actor, CancellationToken cancellationToken) =>
        client.CallAsync($"get {name}", actor,
            o => client.Colleges.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = name }, o), cancellationToken);

    /// <summary>Every partner link the college has had, current and removed.</summary>
    private Task<List<Partner>> ListPartnersAsync(string college, Actor host, CancellationToken cancellationToken) =>
        ListAsync($"list the partners of {college}", host,
            (token, o) => client.Colleges.ListPartnersAsync(
                new ListPartnersRequest { Parent = college, ShowRemoved = true, PageSize = PageSize, PageToken = token }, o),
            r => r.Partners, r => r.NextPageToken, cancellationToken);

    /// <summary>Adds the seeded partners the college has never had; true when it added any.</summary>
    private async Task<bool> AddPartnersAsync(SeedCollege seed, string college, Actor host, CancellationToken cancellationToken)
    {
        var present = (await ListPartnersAsync(college, host, cancellationToken))
            .Select(p => p.Organization?.CreditCode ?? "").ToHashSet(StringComparer.Ordinal);
        var added = false;
        foreach (var partner in seed.Partners.Where(p => !present.Contains(p.Organization)))
        {
            var request = new AddPartnerRequest
            {
                Parent = college,
                Partner = new Partner
                {
                    Organization = data.Organizations[partner.Organization].ToProto(),
                    Role = partner.Role,
                    JoinedDate = partner.JoinedDate.ToProto(),
                },
                RequestId = RequestIds.Stable(CollegePlan.Key(seed, $"partner/{partner.Organization}/add")),
            };
            try
            {
                await client.CallAsync($"{seed.Slug}: add partner {partner.Organization}", host,
                    o => client.Colleges.AddPartnerAsync(request, o), cancellationToken);
                added = true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists || GatewayClient.IsRequestIdReused(e))
            {
                // A current partner already, or added by an earlier run from an edited seed.
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw Failed(seed, college, $"add partner {partner.Organization}", e);
            }
        }
        return added;
    }

    /// <summary>
    /// Creates the seeded courses, training bases and mentors the college does not have (matched by enterprise
    /// and title or name), each as an owner of its enterprise; true when it created any.
    /// </summary>
    private async Task<bool> AddContributionsAsync(SeedCollege seed, string college, Actor host, CancellationToken cancellationToken)
    {
        var wrote = false;
        if (seed.Courses.Count > 0)
        {
            var courses = await ListAsync($"list the courses of {college}", host,
                (token, o) => client.Colleges.ListCoursesAsync(new ListCoursesRequest { Parent = college, PageSize = PageSize, PageToken = token }, o),
                r => r.Courses, r => r.NextPageToken, cancellationToken);
            foreach (var course in seed.Courses)
            {
                if (Take(courses, c => c.EnterpriseCreditCode == course.Enterprise && c.Title == course.Title.Trim()))
                {
                    continue;
                }
                var request = new CreateCourseRequest
                {
                    Parent = college,
                    Course = new Course { Title = course.Title, Hours = course.Hours, EnterpriseCreditCode = course.Enterprise, MajorCodes = { course.MajorCodes } },
                    RequestId = RequestIds.Stable(CollegePlan.Key(seed, $"course/{course.Slug}/create")),
                };
                wrote |= await CreateOnceAsync(seed, college, $"course {course.Slug}", course.Enterprise,
                    o => client.Colleges.CreateCourseAsync(request, o), cancellationToken);
            }
        }
        if (seed.TrainingBases.Count > 0)
        {
            var bases = await ListAsync($"list the training bases of {college}", host,
                (token, o) => client.Colleges.ListTrainingBasesAsync(new ListTrainingBasesRequest { Parent = college, PageSize = PageSize, PageToken = token }, o),
                r => r.TrainingBases, r => r.NextPageToken, cancellationToken);
            foreach (var trainingBase in seed.TrainingBases)
            {
                if (Take(bases, b => b.EnterpriseCreditCode == trainingBase.Enterprise && b.DisplayName == trainingBase.DisplayName.Trim()))
                {
                    continue;
                }
                var request = new CreateTrainingBaseRequest
                {
                    Parent = college,
                    TrainingBase = new TrainingBase
                    {
                        DisplayName = trainingBase.DisplayName, EnterpriseCreditCode = trainingBase.Enterprise,
                        Address = trainingBase.Address, Capacity = trainingBase.Capacity,
                    },
                    RequestId = RequestIds.Stable(CollegePlan.Key(seed, $"training-base/{trainingBase.Slug}/create")),
                };
                wrote |= await CreateOnceAsync(seed, college, $"training base {trainingBase.Slug}", trainingBase.Enterprise,
                    o => client.Colleges.CreateTrainingBaseAsync(request, o), cancellationToken);
            }
        }
        if (seed.Mentors.Count > 0)
        {
            var mentors = await ListAsync($"list the mentors of {college}", host,
                (token, o) => client.Colleges.ListMentorsAsync(new ListMentorsRequest { Parent = college, PageSize = PageSize, PageToken = token }, o),
                r => r.Mentors, r => r.NextPageToken, cancellationToken);
            foreach (var mentor in seed.Mentors)
            {
                if (Take(mentors, m => m.EnterpriseCreditCode == mentor.Enterprise && m.DisplayName == mentor.DisplayName.Trim()))
                {
                    continue;
                }
                var request = new CreateMentorRequest
                {
                    Parent = college,
                    Mentor = new Mentor
                    {
                        DisplayName = mentor.DisplayName, EnterpriseCreditCode = mentor.Enterprise, Specialty = mentor.Specialty, Title = mentor.Title,
                    },
                    RequestId = RequestIds.Stable(CollegePlan.Key(seed, $"mentor/{mentor.Slug}/create")),
                };
                wrote |= await CreateOnceAsync(seed, college, $"mentor {mentor.Slug}", mentor.Enterprise,
                    o => client.Colleges.CreateMentorAsync(request, o), cancellationToken);
            }
        }
        return wrote;
    }

    /// <summary>One contribution, created as an owner of <paramref name="enterprise"/>; true when it was written.</summary>
    private async Task<bool> CreateOnceAsync<T>(SeedCollege seed, string college, string what, string enterprise,
        Func<CallOptions, AsyncUnaryCall<T>> create, CancellationToken cancellationToken)
    {
        try
        {
            await client.CallAsync($"{seed.Slug}: create {what}", ownerOf(data.Organizations[enterprise]), create, cancellationToken);
            return true;
        }
        catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
        {
            // Not in the list, yet its request id was used: an earlier run created it from an edited seed.
            logger.LogWarning("{Slug}: {What} was created by an earlier run from a different seed and is left as it is", seed.Slug, what);
            return false;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw Failed(seed, college, $"create {what}", e);
        }
    }

    /// <summary>Ends the partnerships the seeds give a left date, keeping what the partners contributed; true when it removed any.</summary>
    private async Task<bool> RemoveDepartedPartnersAsync(SeedCollege seed, string college, Actor host, CancellationToken cancellationToken)
    {
        if (!seed.Partners.Any(p => p.LeftDate is not null))
        {
            return false;
        }
        var links = await ListPartnersAsync(college, host, cancellationToken);
        var removed = false;
        foreach (var partner in seed.Partners)
        {
            // History is kept, so an organisation may be listed more than once: only a current link is ended.
            if (partner.LeftDate is not { } leftDate
                || links.FirstOrDefault(p => p.Organization?.CreditCode == partner.Organization && p.LeftDate is null) is not { } link)
            {
                continue;
            }
            var request = new RemovePartnerRequest
            {
                Name = link.Name,
                LeftDate = leftDate.ToProto(),
                RequestId = RequestIds.Stable(CollegePlan.Key(seed, $"partner/{partner.Organization}/remove")),
            };
            try
            {
                await client.CallAsync($"{seed.Slug}: remove partner {partner.Organization}", host,
                    o => client.Colleges.RemovePartnerAsync(request, o), cancellationToken);
                removed = true;
            }
            catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
            {
                // An earlier run ended an earlier link of this partner; the current one was made outside the seeds.
                logger.LogWarning("{Slug}: partner {Partner} was removed by an earlier run and has joined again since; left as it is",
                    seed.Slug, partner.Organization);
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw Failed(seed, college, $"remove partner {partner.Organization}", e);
            }
        }
        return removed;
    }

    /// <summary>Files the seeded reports the college does not have, in year order, and accepts those the seeds say were accepted.</summary>
    private async Task<bool> FileReportsAsync(SeedCollege seed, string college, Actor host, CancellationToken cancellationToken)
    {
        if (seed.Reports.Count == 0)
        {
            return false;
        }
        var filed = (await ListAsync($"list the reports of {college}", host,
                (token, o) => client.Colleges.ListReportsAsync(new ListReportsRequest { Parent = college, PageSize = PageSize, PageToken = token }, o),
                r => r.Reports, r => r.NextPageToken, cancellationToken))
            .ToDictionary(r => r.Year);
        var wrote = false;
        // An earlier year first: graduates are checked against the enrolment of their cohort's report.
        foreach (var seeded in seed.Reports.OrderBy(r => r.Year))
        {
            var what = $"report {seeded.Year}";
            try
            {
                if (!filed.TryGetValue(seeded.Year, out var report))
                {
                    (report, var created) = await CreateReportAsync(seed, college, seeded, host, cancellationToken);
                    wrote |= created;
                }
                if (!seeded.Accepted || report.State != Report.Types.State.Filed)
                {
                    continue;
                }
                var accept = new AcceptReportRequest
                {
                    Name = report.Name,
                    Etag = report.Etag,
                    RequestId = RequestIds.Stable(CollegePlan.Key(seed, $"report/{seeded.Year}/accept")),
                };
                await client.CallAsync($"{seed.Slug}: accept {what}", admin, o => client.Colleges.AcceptReportAsync(accept, o), cancellationToken);
                wrote = true;
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                throw Failed(seed, college, what, e);
            }
        }
        return wrote;
    }

    private async Task<(Report Report, bool Created)> CreateReportAsync(SeedCollege seed, string college, SeedReport seeded, Actor host,
        CancellationToken cancellationToken)
    {
        var request = new CreateReportRequest
        {
            Parent = college,
            Report = new Report
            {
                Year = seeded.Year,
                Enrolment = seeded.Enrolment,
                Graduates = seeded.Graduates,
                GraduatesCohortYear = seeded.GraduatesCohortYear,
                CoursesDelivered = seeded.CoursesDelivered,
                CoDevelopedCoursesDelivered = seeded.CoDevelopedCoursesDelivered,
                MentorHours = seeded.MentorHours,
                TraineesHosted = seeded.TraineesHosted,
            },
            RequestId = RequestIds.Stable(CollegePlan.Key(seed, $"report/{seeded.Year}/create")),
        };
        try
        {
            return (await client.CallAsync($"{seed.Slug}: file report {seeded.Year}", host, o => client.Colleges.CreateReportAsync(request, o), cancellationToken), true);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists || GatewayClient.IsRequestIdReused(e))
        {
            // Filed since the list was read, or by an earlier run from an edited seed: one report per year, and it stays.
            var name = $"{college}/reports/{seeded.Year}";
            return (await client.CallAsync($"get {name}", host, o => client.Colleges.GetReportAsync(new GetReportRequest { Name = name }, o), cancellationToken), false);
        }
    }

    /// <summary>One step of the history; the college afterwards, and whether the step wrote anything.</summary>
    private async Task<(IndustrialCollege College, bool Applied)> ApplyAsync(SeedCollege seed, PlannedCollegeStep step, string name, Actor host,
        CancellationToken cancellationToken)
    {
        // Lifecycle acts carry the etag just read: partner writes may have changed it.
        var fresh = await GetAsync(name, host, cancellationToken);
        if (fresh.State != step.From)
        {
            return (fresh, false);
        }
        var requestId = RequestIds.Stable(step.Key);
        try
        {
            var actor = CollegePlan.IsHostAct(step.Act) ? host : admin;
            return (await client.CallAsync($"{seed.Slug}: {CollegePlan.Describe(step.Act)}", actor,
                o => Transition(step.Act, fresh, requestId, o), cancellationToken), true);
        }
        catch (RpcException e) when (GatewayClient.IsRequestIdReused(e))
        {
            // An earlier run did this step with an etag read back then; the college has moved on since and is
            // back in this step's state (submitted again after a return).
            return (fresh, false);
        }
    }

    private AsyncUnaryCall<IndustrialCollege> Transition(CollegeAct act, IndustrialCollege college, string requestId, CallOptions options) => act switch
    {
        CollegeAct.Submit => client.Colleges.SubmitIndustrialCollegeAsync(
            new SubmitIndustrialCollegeRequest { Name = college.Name, Etag = college.Etag, RequestId = requestId }, options),
        CollegeAct.Return r => client.Colleges.ReturnIndustrialCollegeAsync(
            new ReturnIndustrialCollegeRequest { Name = college.Name, Etag = college.Etag, RequestId = requestId, Reason = r.Reason }, options),
        CollegeAct.Approve => client.Colleges.ApproveIndustrialCollegeAsync(
            new ApproveIndustrialCollegeRequest { Name = college.Name, Etag = college.Etag, RequestId = requestId }, options),
        CollegeAct.Open => client.Colleges.OpenIndustrialCollegeAsync(
            new OpenIndustrialCollegeRequest { Name = college.Name, Etag = college.Etag, RequestId = requestId }, options),
        CollegeAct.StartReview r => client.Colleges.StartIndustrialCollegeReviewAsync(
            new StartIndustrialCollegeReviewRequest { Name = college.Name, Etag = college.Etag, RequestId = requestId, Reason = r.Reason }, options),
        CollegeAct.Reinstate => client.Colleges.ReinstateIndustrialCollegeAsync(
            new ReinstateIndustrialCollegeRequest { Name = college.Name, Etag = college.Etag, RequestId = requestId }, options),
        CollegeAct.Close c => client.Colleges.CloseIndustrialCollegeAsync(
            new CloseIndustrialCollegeRequest { Name = college.Name, Etag = college.Etag, RequestId = requestId, Reason = c.Reason ?? "" }, options),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "not a lifecycle act"),
    };

    /// <summary>What the college holds, for its line: current and former partners, contributions, reports.</summary>
    private async Task<string> ContentsAsync(string college, Actor host, CancellationToken cancellationToken)
    {
        var partners = await ListPartnersAsync(college, host, cancellationToken);
        var courses = await ListAsync($"list the courses of {college}", host,
            (token, o) => client.Colleges.ListCoursesAsync(new ListCoursesRequest { Parent = college, PageSize = PageSize, PageToken = token }, o),
            r => r.Courses, r => r.NextPageToken, cancellationToken);
        var bases = await ListAsync($"list the training bases of {college}", host,
            (token, o) => client.Colleges.ListTrainingBasesAsync(new ListTrainingBasesRequest { Parent = college, PageSize = PageSize, PageToken = token }, o),
            r => r.TrainingBases, r => r.NextPageToken, cancellationToken);
        var mentors = await ListAsync($"list the mentors of {college}", host,
            (token, o) => client.Colleges.ListMentorsAsync(new ListMentorsRequest { Parent = college, PageSize = PageSize, PageToken = token }, o),
            r => r.Mentors, r => r.NextPageToken, cancellationToken);
        var reports = await ListAsync($"list the reports of {college}", host,
            (token, o) => client.Colleges.ListReportsAsync(new ListReportsRequest { Parent = college, PageSize = PageSize, PageToken = token }, o),
            r => r.Reports, r => r.NextPageToken, cancellationToken);
        var left = partners.Count(p => p.LeftDate is not null);
        var accepted = reports.Count(r => r.State == Report.Types.State.Accepted);
        return Count(partners.Count - left, "partner") + (left > 0 ? $" ({left} left)" : "")
            + $", {Count(courses.Count, "course")}, {Count(bases.Count, "training base")}, {Count(mentors.Count, "mentor")}, {Count(reports.Count, "report")}"
            + (reports.Count > 0 ? $" ({accepted} accepted)" : "");
    }

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

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

    /// <summary>Removes the first item that matches from <paramref name="items"/>; true when there was one.</summary>
    private static bool Take<T>(List<T> items, Func<T, bool> matches)
    {
        var index = items.FindIndex(i => matches(i));
        if (index < 0)
        {
            return false;
        }
        items.RemoveAt(index);
        return true;
    }

    private static SeedException Failed(SeedCollege seed, string college, string what, RpcException e) =>
        new($"industrial college '{seed.Slug}' ({college}): {what} failed: {GatewayClient.Describe(e)}");

    private static string Line(CollegeOutcome outcome)
    {
        var (seed, college, created, _, contents) = outcome;
        var status = created ? "created" : "already present";
        var note = college.State == seed.State ? "" : $"  (the seeds expect {CollegePlan.ClaimState(seed.State)})";
        return $"  {status,-15} {CollegePlan.ClaimState(college.State),-13} {college.DisplayName}  {college.Name}  {contents}{note}";
    }
}
