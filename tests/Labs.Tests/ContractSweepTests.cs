using Collaboration.Common.V1;
using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Kind = Collaboration.Labs.V1.Lab.Types.Kind;
using Level = Collaboration.Labs.V1.Lab.Types.Level;
using PostState = Collaboration.Labs.V1.Post.Types.State;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

/// <summary>
/// The shared write and read rules held for every method of the contract: the methods come from the
/// service descriptor, and a method the rule applies to without a scenario here fails the sweep by name.
/// </summary>
public sealed class ContractSweepTests(LabsFixture fixture)
{
    private static readonly ServiceDescriptor Contract = LabService.Descriptor;

    [Fact]
    public async Task RequestId_ReusedByAnotherCaller_InvalidArgument_NothingHandedOver_NothingChanged()
    {
        var cases = RequestIdCases();
        ContractSweep.AssertCovered("request_id", ContractSweep.MethodsWithField(Contract, "request_id").Select(m => m.Name), cases.Keys);

        // Closing a cycle touches every operating platform of its database: that case gets a database of its own.
        await using var own = await fixture.StartReplicaAsync("labs_sweep", fixture.Cache.ConnectionString);
        await ContractSweep.AllAsync("request_id of another caller", cases.Select(c => (c.Key, (Func<Task>)(async () =>
            await ContractSweep.RequestIdOfAnotherCallerRefusedAsync(Contract.FindMethodByName(c.Key),
                await c.Value(new Callers(c.Key == nameof(LabService.LabServiceClient.CloseEvaluationCycle) ? own : fixture.Service, fixture.Directory)))))));
    }

    [Fact]
    public async Task Etag_Stale_Aborted_NothingChanged()
    {
        var cases = EtagCases();
        ContractSweep.AssertCovered("etag", ContractSweep.MethodsWithEtag(Contract).Select(m => m.Name), cases.Keys);

        await ContractSweep.AllAsync("stale etag", cases.Select(c => (c.Key, (Func<Task>)(async () =>
            await ContractSweep.StaleEtagAbortedAsync(Contract.FindMethodByName(c.Key), await c.Value(new Callers(fixture.Service, fixture.Directory)))))));
    }

    [Fact]
    public async Task List_ForEveryCaller_ShowsExactlyWhatGetShows()
    {
        var world = await SeedAsync();
        var labs = world.Labs;
        var today = Collaboration.Shared.Data.Dates.Today;
        // Each filter's match is of a platform, for the caller's organisation (null for an admin).
        var filters = new Dictionary<string, IReadOnlyList<(object Value, Func<Lab, string?, bool> Matches)>>
        {
            ["kind"] = [.. Enum.GetValues<Kind>().Where(k => k != Kind.Unspecified).Select(k => Filter(k, l => l.Kind == k))],
            ["level"] = [.. Enum.GetValues<Level>().Where(v => v != Level.Unspecified).Select(v => Filter(v, l => l.Level == v))],
            ["state"] = [.. Enum.GetValues<State>().Where(s => s != State.Unspecified).Select(s => Filter(s, l => l.State == s))],
            ["host_credit_code"] = [.. world.Organizations.Select(o => Filter(o, l => l.HostOrganization.CreditCode == o))],
            ["partner_credit_code"] = [.. world.Organizations.Select(o => Filter(o, l => world.CurrentPartners[l.Name].Contains(o)))],
            ["research_field"] = [.. Fields.Select(f => Filter(f, l => l.ResearchField == f))],
            ["due_for_evaluation_cycle"] = [.. Cycles.Select(c => Filter(c, l => l.State is State.Operating or State.Rectification && !world.Cycles[l.Name].Contains(c)))],
            ["construction_overdue"] = [Filter(true, l => l.State is State.ApprovedForConstruction or State.Construction
                && l.ConstructionDeadline is { } d && new DateOnly(d.Year, d.Month, d.Day) < today)],
            // Without an identity service (the development key) no organisation holds a partner grant, so "shared with me"
            // lists nothing for any caller, admins included: this pins that the filter never widens the visibility rule.
            // What a grant adds is covered with the real identity service in EndToEnd.Tests' grant tests.
            ["shared_with_me"] = [Filter(true, _ => false)],
            ["invitations_for_me"] = [(true, (l, org) => org is not null && world.Invited[l.Name].Contains(org))],
        };
        var list = Contract.FindMethodByName(nameof(LabService.LabServiceClient.ListLabs));
        ContractSweep.AssertCovered("ListLabs filters", ContractSweep.Filters(list.InputType), filters.Keys);
        var children = new Dictionary<string, IReadOnlyList<Func<string, IMessage>>>
        {
            ["ListLabPartners"] = [p => new ListLabPartnersRequest { Parent = p }, p => new ListLabPartnersRequest { Parent = p, ShowLeft = true }],
            ["ListLabEvaluations"] = [p => new ListLabEvaluationsRequest { Parent = p }],
            ["ListLabPosts"] = [p => new ListLabPostsRequest { Parent = p },
                .. Enum.GetValues<PostState>().Where(s => s != PostState.Unspecified).Select(s => (Func<string, IMessage>)(p => new ListLabPostsRequest { Parent = p, State = s }))],
            ["ListLabAuditEntries"] = [p => new ListLabAuditEntriesRequest { Parent = p }],
        };
        // An organisation's posts have no platform to follow: AssertOrganizationPostListsAsync sweeps them per caller.
        string[] organizationLists = [nameof(LabService.LabServiceClient.ListOrganizationPosts), nameof(LabService.LabServiceClient.ListOrganizationPostAuditEntries)];
        ContractSweep.AssertCovered("List methods", ContractSweep.ListMethods(Contract).Select(m => m.Name), [list.Name, .. children.Keys, .. organizationLists]);

        var get = Contract.FindMethodByName(nameof(LabService.LabServiceClient.GetLab));
        var admin = world.Callers["city admin"];
        var adminChildren = new Dictionary<(string, int, string), string>();
        foreach (var (method, requests) in children)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                foreach (var l in labs)
                {
                    adminChildren[(method, i, l.Name)] = ContractSweep.Text(await ContractSweep.AllPagesAsync(admin, Contract.FindMethodByName(method), requests[i](l.Name), pageSize: 2));
                }
            }
        }
        Assert.Contains(labs, l => adminChildren[("ListLabPosts", 0, l.Name)].Length > 0);

        await ContractSweep.AllAsync("list visibility", world.Callers.Select(caller => (caller.Key, (Func<Task>)(async () =>
        {
            var client = caller.Value;
            var readable = new Dictionary<string, IMessage>();
            foreach (var l in labs)
            {
                try
                {
                    readable[l.Name] = await client.CallAsync(get, new GetLabRequest { Name = l.Name });
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                }
            }
            await AssertListMatchesAsync(client, list, new ListLabsRequest(), "unfiltered", readable, labs, _ => true);
            foreach (var (field, values) in filters)
            {
                foreach (var (value, matches) in values)
                {
                    await AssertListMatchesAsync(client, list, ContractSweep.With(new ListLabsRequest(), field, value), $"{field}={value}", readable, labs,
                        l => matches(l, world.Organization[caller.Key]));
                }
            }

            foreach (var (method, requests) in children)
            {
                var child = Contract.FindMethodByName(method);
                for (var i = 0; i < requests.Count; i++)
                {
                    foreach (var l in labs)
                    {
                        var request = requests[i](l.Name);
                        var auditForbidden = method == "ListLabAuditEntries" && world.Organization[caller.Key] is { } org && org != l.HostOrganization.CreditCode;
                        if (!readable.ContainsKey(l.Name))
                        {
                            Assert.False(await client.SucceedsAsync(child, request), $"{method} {request} answered although GetLab is NOT_FOUND");
                        }
                        else if (auditForbidden)
                        {
                            Assert.False(await client.SucceedsAsync(child, request, StatusCode.PermissionDenied), $"{method} {request} shows the audit trail beyond the host");
                        }
                        else
                        {
                            Assert.True(adminChildren[(method, i, l.Name)] == ContractSweep.Text(await ContractSweep.AllPagesAsync(client, child, request, pageSize: 2)),
                                $"{method} {request} shows other records than the admin sees");
                        }
                    }
                }
            }

            await AssertOrganizationPostListsAsync(client, world.Organization[caller.Key], world);
        }))));
    }

    /// <summary>
    /// For one caller: every parent (each seeded organisation and "organizations/-") and every state filter lists exactly
    /// the seeded organisation posts GetOrganizationPost shows it, as Get shows them; a post's audit trail answers as the
    /// admin's for the organisation, PERMISSION_DENIED for others who see the post, NOT_FOUND for those who do not.
    /// </summary>
    private static async Task AssertOrganizationPostListsAsync(DynamicClient client, string? organization, World world)
    {
        var get = Contract.FindMethodByName(nameof(LabService.LabServiceClient.GetOrganizationPost));
        var list = Contract.FindMethodByName(nameof(LabService.LabServiceClient.ListOrganizationPosts));
        var audit = Contract.FindMethodByName(nameof(LabService.LabServiceClient.ListOrganizationPostAuditEntries));
        var readable = new Dictionary<string, IMessage>();
        foreach (var post in world.OrganizationPosts)
        {
            try
            {
                readable[post.Name] = await client.CallAsync(get, new GetOrganizationPostRequest { Name = post.Name });
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
            }
        }
        var ours = world.OrganizationPosts.ToDictionary(p => p.Name);
        var owners = world.OrganizationPosts.Select(p => p.Name[..p.Name.IndexOf("/posts/", StringComparison.Ordinal)]).Distinct();
        foreach (var parent in owners.Append("organizations/-"))
        {
            foreach (var state in Enum.GetValues<PostState>())
            {
                var listed = (await ContractSweep.AllPagesAsync(client, list, new ListOrganizationPostsRequest { Parent = parent, State = state }, pageSize: 2))
                    .Where(m => ours.ContainsKey(ContractSweep.NameOf(m))).ToDictionary(ContractSweep.NameOf);
                var expected = readable.Keys.Where(n => (parent == "organizations/-" || n.StartsWith(parent + "/", StringComparison.Ordinal))
                    && (state == PostState.Unspecified || ours[n].State == state)).Order().ToList();
                Assert.True(expected.SequenceEqual(listed.Keys.Order()),
                    $"ListOrganizationPosts {parent} state={state}: lists [{string.Join(", ", listed.Keys.Order())}], Get shows [{string.Join(", ", expected)}]");
                Assert.All(listed, p => Assert.True(p.Value.Equals(readable[p.Key]), $"ListOrganizationPosts: {p.Key} is listed as {p.Value} but Get shows {readable[p.Key]}"));
            }
        }
        var admin = world.Callers["city admin"];
        foreach (var post in world.OrganizationPosts)
        {
            var request = new ListOrganizationPostAuditEntriesRequest { Parent = post.Name };
            if (!readable.ContainsKey(post.Name))
            {
                Assert.False(await client.SucceedsAsync(audit, request), $"{audit.Name} {post.Name} answered although GetOrganizationPost is NOT_FOUND");
            }
            else if (organization is not null && !post.Name.StartsWith($"organizations/{organization}/", StringComparison.Ordinal))
            {
                Assert.False(await client.SucceedsAsync(audit, request, StatusCode.PermissionDenied), $"{audit.Name} {post.Name} shows the audit trail beyond the organisation");
            }
            else
            {
                Assert.True(ContractSweep.Text(await ContractSweep.AllPagesAsync(admin, audit, request, pageSize: 2))
                    == ContractSweep.Text(await ContractSweep.AllPagesAsync(client, audit, request, pageSize: 2)), $"{audit.Name} {post.Name} shows other entries than the admin sees");
            }
        }
    }

    private static (object, Func<Lab, string?, bool>) Filter(object value, Func<Lab, bool> matches) => (value, (l, _) => matches(l));

    private static async Task AssertListMatchesAsync(DynamicClient client, MethodDescriptor list, IMessage request, string what,
        Dictionary<string, IMessage> readable, IReadOnlyList<Lab> seeded, Func<Lab, bool> matches)
    {
        var ours = seeded.Select(l => l.Name).ToHashSet();
        var listed = (await ContractSweep.AllPagesAsync(client, list, request, pageSize: 100))
            .Where(m => ours.Contains(ContractSweep.NameOf(m))).ToDictionary(ContractSweep.NameOf);
        var expected = seeded.Where(l => matches(l) && readable.ContainsKey(l.Name)).Select(l => l.Name).ToHashSet();
        var shownNotReadable = listed.Keys.Except(expected).Order().ToList();
        var readableNotShown = expected.Except(listed.Keys).Order().ToList();
        Assert.True(shownNotReadable.Count == 0 && readableNotShown.Count == 0,
            $"{list.Name} {what}: listed but not for Get (or not matching) [{Describe(shownNotReadable, seeded)}]; readable by Get but not listed [{Describe(readableNotShown, seeded)}]");
        foreach (var (name, item) in listed)
        {
            Assert.True(item.Equals(readable[name]), $"{list.Name} {what}: {name} is listed as {item} but Get shows {readable[name]}");
        }
    }

    private static string Describe(IEnumerable<string> names, IReadOnlyList<Lab> seeded) =>
        string.Join(", ", names.Select(n => $"{n} ({seeded.Single(l => l.Name == n).State})"));

    private static readonly string[] Fields = ["thin-strip-casting", "silicon-steel"];
    private static readonly int[] Cycles = [2020, 2021];

    private sealed record World(IReadOnlyList<Lab> Labs, IReadOnlyList<string> Organizations, IReadOnlyDictionary<string, HashSet<string>> CurrentPartners,
        IReadOnlyDictionary<string, HashSet<string>> Invited, IReadOnlyDictionary<string, HashSet<int>> Cycles, IReadOnlyDictionary<string, DynamicClient> Callers, IReadOnlyDictionary<string, string?> Organization,
        IReadOnlyList<Post> OrganizationPosts);

    /// <summary>
    /// Two hosts with a platform in every state (and one returned to draft); the first host's platforms have an
    /// active partner university, a former partner (accepted, then removed), an organisation invited and not yet
    /// answering and one that declined; the second host's another active university. Operating
    /// platforms of the first host are evaluated for the first cycle; every platform that takes posts gets some.
    /// </summary>
    private async Task<World> SeedAsync()
    {
        var first = new Actors(fixture);
        var second = new Actors(fixture);
        var others = new Others(await fixture.Directory.NewAsync("university"), await fixture.Directory.NewAsync("research_institute"),
            await fixture.Directory.NewAsync("university"));
        var stranger = await fixture.Directory.NewAsync("enterprise");
        var targets = Enum.GetValues<State>().Where(s => s != State.Unspecified).Select(s => (State: s, Returned: false)).Append((State: State.Draft, Returned: true)).ToList();
        var walks = new List<Task<Lab[]>>();
        foreach (var (host, index) in new[] { (first, 0), (second, 1) })
        {
            foreach (var (target, i) in targets.Select((t, i) => (t, i)))
            {
                walks.Add(SeedOneAsync(host, target.State, target.Returned, (Kind)(1 + i % 3), Fields[index], index == 0 ? others : null, index == 0));
            }
        }
        var names = (await Task.WhenAll(walks)).SelectMany(l => l).Select(l => l.Name).ToList();
        var overdue = names[targets.FindIndex(t => t.State == State.Construction)];
        await fixture.ScalarAsync("UPDATE labs SET construction_deadline = current_date - 1 WHERE id = @id", new { id = Guid.Parse(overdue["labs/".Length..]) });

        var labs = new List<Lab>();
        var partners = new Dictionary<string, HashSet<string>>();
        var invited = new Dictionary<string, HashSet<string>>();
        var cycles = new Dictionary<string, HashSet<int>>();
        foreach (var name in names)
        {
            labs.Add(await first.Admin.GetLabAsync(new GetLabRequest { Name = name }));
            var listed = await first.Admin.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = name, PageSize = 200 });
            partners[name] = [.. listed.Partners.Where(p => p.State == LinkState.Active).Select(p => p.Organization.CreditCode)];
            invited[name] = [.. listed.Partners.Where(p => p.State == LinkState.Invited).Select(p => p.Organization.CreditCode)];
            var evaluations = await first.Admin.ListLabEvaluationsAsync(new ListLabEvaluationsRequest { Parent = name, PageSize = 200 });
            cycles[name] = [.. evaluations.Evaluations.Select(e => e.Cycle)];
        }
        var service = fixture.Service;
        var who = new (string Key, string? Organization, string Token)[]
        {
            ("city admin", null, Tokens.Admin()),
            ("host owner", first.Enterprise, Tokens.For(first.Enterprise, "enterprise")),
            ("host editor", first.Enterprise, Tokens.For(first.Enterprise, "enterprise", "editor")),
            ("host viewer", first.Enterprise, Tokens.For(first.Enterprise, "enterprise", "viewer")),
            ("another host", second.Enterprise, Tokens.For(second.Enterprise, "enterprise")),
            ("partner university", first.University, Tokens.For(first.University, "university")),
            ("former partner", others.Former, Tokens.For(others.Former, "university")),
            ("invited institute", others.Invited, Tokens.For(others.Invited, "research_institute")),
            ("invited institute's viewer", others.Invited, Tokens.For(others.Invited, "research_institute", "viewer")),
            ("declined university", others.Declined, Tokens.For(others.Declined, "university")),
            ("stranger", stranger, Tokens.For(stranger, "enterprise")),
        };
        var callers = who.ToDictionary(w => w.Key, w => service.Client<DynamicClient>(w.Token));
        var organizationPosts = new List<Post>();
        foreach (var host in new[] { first, second })
        {
            organizationPosts.Add(await CreateOrganizationPostAsync(host));
            organizationPosts.Add(await host.Host.FillOrganizationPostAsync(new FillOrganizationPostRequest { Name = (await CreateOrganizationPostAsync(host)).Name, Appointment = Appointment(host.University) }));
            organizationPosts.Add(await host.Host.CloseOrganizationPostAsync(new CloseOrganizationPostRequest { Name = (await CreateOrganizationPostAsync(host)).Name }));
        }
        return new World(labs, [first.Enterprise, second.Enterprise, first.University, second.University, others.Former, others.Invited, others.Declined, stranger],
            partners, invited, cycles, callers,
            who.ToDictionary(w => w.Key, w => w.Organization), organizationPosts);
    }

    /// <summary>Organisations linked to the first host's platforms other than its active partner.</summary>
    private sealed record Others(string Former, string Invited, string Declined);

    /// <summary>A new platform of this host walked to the state, with its partners and posts; an upgrade also yields the new application.</summary>
    private static async Task<Lab[]> SeedOneAsync(Actors host, State target, bool returned, Kind kind, string field, Others? others, bool evaluated)
    {
        var lab = await host.CreateAsync(kind, Level.Municipal, field);
        await host.AddUniversityAsync(lab);
        if (others is not null)
        {
            var former = await host.InviteAsync(lab, others.Former);
            await host.As(others.Former, "university").AcceptLabPartnerAsync(new AcceptLabPartnerRequest { Name = former.Name });
            await host.Host.RemoveLabPartnerAsync(new RemoveLabPartnerRequest { Name = former.Name });
            await host.InviteAsync(lab, others.Invited);
            var declined = await host.InviteAsync(lab, others.Declined);
            await host.As(others.Declined, "university").DeclineLabPartnerAsync(new DeclineLabPartnerRequest { Name = declined.Name, Reason = "No capacity." });
        }
        var open = await CreatePostAsync(host, lab);
        var filled = await host.Host.FillLabPostAsync(new FillLabPostRequest { Name = (await CreatePostAsync(host, lab)).Name, Appointment = Appointment(host.University) });
        if (target is State.Operating)
        {
            await host.Host.CloseLabPostAsync(new CloseLabPostRequest { Name = open.Name });
            await host.Host.CloseLabPostAsync(new CloseLabPostRequest { Name = filled.Name });
        }
        if (returned)
        {
            lab = await host.Host.SubmitLabAsync(new SubmitLabRequest { Name = lab.Name });
            return [await host.Admin.ReturnLabAsync(new ReturnLabRequest { Name = lab.Name, Reason = "Add the budget." })];
        }
        var walkTo = target is State.Rectification or State.Revoked or State.Upgraded ? State.Operating : target;
        lab = (await WalkAsync(host, lab, walkTo)).Lab;
        if (walkTo == State.Operating && evaluated)
        {
            await host.EvaluateAsync(lab, Cycles[0], 80);
        }
        switch (target)
        {
            case State.Rectification:
                return [await host.Admin.RequireLabRectificationAsync(new RequireLabRectificationRequest { Name = lab.Name, Reason = "Staff it." })];
            case State.Revoked:
                return [await host.Admin.RevokeLabAsync(new RevokeLabRequest { Name = lab.Name, Reason = "Gone." })];
            case State.Upgraded:
                await host.EvaluateAsync(lab, Cycles[1], 93);
                var upgrade = await host.Host.RequestLabUpgradeAsync(new RequestLabUpgradeRequest { Name = lab.Name });
                upgrade = await host.InPublicNoticeAsync(upgrade);
                upgrade = await host.Admin.AccreditLabAsync(new AccreditLabRequest { Name = upgrade.Name });
                return [lab, upgrade];
            default:
                return [lab];
        }
    }

    private static Task<Post> CreatePostAsync(Actors host, Lab lab) =>
        host.Host.CreateLabPostAsync(new CreateLabPostRequest
        {
            Parent = lab.Name,
            Post = new Post { Kind = Post.Types.Kind.ChiefEngineer, Field = "casting", Engagement = Post.Types.Engagement.PartTime },
        }).ResponseAsync;

    private static Task<Post> CreateOrganizationPostAsync(Actors host) =>
        host.Host.CreateOrganizationPostAsync(new CreateOrganizationPostRequest
        {
            Parent = $"organizations/{host.Enterprise}",
            Post = new Post { Kind = Post.Types.Kind.SpeciallyAppointedProfessor, Field = "casting", Engagement = Post.Types.Engagement.ProjectBased },
        }).ResponseAsync;

    private static Post.Types.Appointment Appointment(string homeUniversity) => new()
    {
        PersonName = "Zhang Min",
        HomeOrganization = new Organization { CreditCode = homeUniversity },
        StartDate = new Google.Type.Date { Year = 2024, Month = 9, Day = 1 },
    };

    /// <summary>The acts that lead from a draft to each state, in order, each by whoever performs it.</summary>
    private static IReadOnlyList<Func<Actors, string, Task<Lab>>> Steps(State target) => target switch
    {
        State.Draft => [],
        State.Submitted => [(a, n) => a.Host.SubmitLabAsync(new SubmitLabRequest { Name = n }).ResponseAsync],
        State.PreliminaryReview => [.. Steps(State.Submitted), (a, n) => a.Admin.StartLabPreliminaryReviewAsync(new StartLabPreliminaryReviewRequest { Name = n }).ResponseAsync],
        State.ExpertReview => [.. Steps(State.PreliminaryReview), (a, n) => a.Admin.PassLabPreliminaryReviewAsync(new PassLabPreliminaryReviewRequest { Name = n }).ResponseAsync],
        State.PublicNotice => [.. Steps(State.ExpertReview), (a, n) => a.Admin.PassLabExpertReviewAsync(new PassLabExpertReviewRequest { Name = n }).ResponseAsync],
        State.ApprovedForConstruction => [.. Steps(State.PublicNotice), (a, n) => a.Admin.AccreditLabAsync(new AccreditLabRequest { Name = n }).ResponseAsync],
        State.Construction => [.. Steps(State.ApprovedForConstruction), (a, n) => a.Host.StartLabConstructionAsync(new StartLabConstructionRequest { Name = n }).ResponseAsync],
        State.Acceptance => [.. Steps(State.Construction), (a, n) => a.Host.RequestLabAcceptanceAsync(new RequestLabAcceptanceRequest { Name = n }).ResponseAsync],
        State.Operating => [.. Steps(State.Acceptance), (a, n) => a.Admin.PassLabAcceptanceAsync(new PassLabAcceptanceRequest { Name = n }).ResponseAsync],
        State.Rectification => [.. Steps(State.Operating), (a, n) => a.Admin.RequireLabRectificationAsync(new RequireLabRectificationRequest { Name = n, Reason = "Staff it." }).ResponseAsync],
        State.Revoked => [.. Steps(State.Operating), (a, n) => a.Admin.RevokeLabAsync(new RevokeLabRequest { Name = n, Reason = "Gone." }).ResponseAsync],
        State.Rejected => [.. Steps(State.PreliminaryReview), (a, n) => a.Admin.RejectLabAsync(new RejectLabRequest { Name = n, Reason = "Out of scope." }).ResponseAsync],
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "not reached by a plain walk"),
    };

    /// <summary>Walks the platform to the state; also returns the etag it had before the last act (a stale one).</summary>
    private static async Task<(Lab Lab, string StaleEtag)> WalkAsync(Actors actors, Lab lab, State target)
    {
        var stale = lab.Etag;
        foreach (var step in Steps(target))
        {
            stale = lab.Etag;
            lab = await step(actors, lab.Name);
        }
        return (lab, stale);
    }

    /// <summary>Callers around one fresh host enterprise.</summary>
    private sealed class Callers(ServiceHost service, DirectoryServer directory)
    {
        public Actors Actors { get; } = new(service, directory);
        public DynamicClient Host => service.Client<DynamicClient>(Tokens.For(Actors.Enterprise, "enterprise"));
        public DynamicClient Admin => service.Client<DynamicClient>(Tokens.Admin());

        /// <summary>Who else could send the host's request: another person of the host, and another enterprise.</summary>
        public IReadOnlyList<(string, DynamicClient)> HostPeers =>
        [
            ("an editor of the host", service.Client<DynamicClient>(Tokens.For(Actors.Enterprise, "enterprise", "editor"))),
            ("another enterprise", service.Client<DynamicClient>(Tokens.For(Actors.OtherEnterprise, "enterprise"))),
        ];

        public DynamicClient University => service.Client<DynamicClient>(Tokens.For(Actors.University, "university"));

        /// <summary>Who else could send the invited university's answer: another of its people, and the host.</summary>
        public IReadOnlyList<(string, DynamicClient)> UniversityPeers =>
        [
            ("an editor of the university", service.Client<DynamicClient>(Tokens.For(Actors.University, "university", "editor"))),
            ("the host", Host),
        ];

        public (string, DynamicClient) OtherAdmin => ("another admin", service.Client<DynamicClient>(Tokens.Admin("second-admin@city")));

        /// <summary>Who else could send an admin's request: another admin, and an enterprise.</summary>
        public IReadOnlyList<(string, DynamicClient)> AdminPeers =>
            [OtherAdmin, ("another enterprise", service.Client<DynamicClient>(Tokens.For(Actors.OtherEnterprise, "enterprise")))];

        /// <summary>Everything a write can change on the platform, as the admin reads it.</summary>
        public async Task<string> StateOfAsync(string lab)
        {
            var admin = Actors.Admin;
            return ContractSweep.Text(
                await admin.GetLabAsync(new GetLabRequest { Name = lab }),
                await admin.ListLabPartnersAsync(new ListLabPartnersRequest { Parent = lab, ShowLeft = true, PageSize = 200 }),
                await admin.ListLabEvaluationsAsync(new ListLabEvaluationsRequest { Parent = lab, PageSize = 200 }),
                await admin.ListLabPostsAsync(new ListLabPostsRequest { Parent = lab, PageSize = 200 }),
                await admin.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = lab, PageSize = 200 }));
        }

        /// <summary>The platforms of the host and of the other enterprise, as the admin lists them.</summary>
        public async Task<string> LabsAsync() => ContractSweep.Text(
            await Actors.Admin.ListLabsAsync(new ListLabsRequest { HostCreditCode = Actors.Enterprise, PageSize = 200 }),
            await Actors.Admin.ListLabsAsync(new ListLabsRequest { HostCreditCode = Actors.OtherEnterprise, PageSize = 200 }));

        /// <summary>A draft with its etag before an edit.</summary>
        public async Task<(Lab Lab, string StaleEtag)> EditedDraftAsync()
        {
            var lab = await Actors.CreateAsync();
            await Actors.Host.UpdateLabAsync(new UpdateLabRequest
            {
                Lab = new Lab { Name = lab.Name, ApplicationSummary = "Revised." },
                UpdateMask = new() { Paths = { "application_summary" } },
            });
            return (lab, lab.Etag);
        }

        public async Task<(Lab Lab, string StaleEtag)> InStateAsync(State state) => await WalkAsync(Actors, await Actors.CreateAsync(), state);

        public async Task<Lab> OperatingExcellentAsync()
        {
            var lab = await Actors.OperatingAsync();
            await Actors.EvaluateAsync(lab, 2023, 93);
            return lab;
        }

        public Task<Post> PostAsync(Lab lab) => CreatePostAsync(Actors, lab);

        public Task<Post> OrganizationPostAsync() => CreateOrganizationPostAsync(Actors);

        /// <summary>The host's and the other enterprise's posts without a platform, as the admin lists them.</summary>
        public async Task<string> OrganizationPostsAsync() => ContractSweep.Text(
            await Actors.Admin.ListOrganizationPostsAsync(new ListOrganizationPostsRequest { Parent = $"organizations/{Actors.Enterprise}", PageSize = 200 }),
            await Actors.Admin.ListOrganizationPostsAsync(new ListOrganizationPostsRequest { Parent = $"organizations/{Actors.OtherEnterprise}", PageSize = 200 }));

        /// <summary>Everything a write can change on a post without a platform, as the admin reads it.</summary>
        public async Task<string> OrganizationPostStateAsync(string post) => ContractSweep.Text(
            await Actors.Admin.GetOrganizationPostAsync(new GetOrganizationPostRequest { Name = post }),
            await Actors.Admin.ListOrganizationPostAuditEntriesAsync(new ListOrganizationPostAuditEntriesRequest { Parent = post, PageSize = 200 }));
    }

    private static RequestIdCase Transition(Callers c, Lab lab, IMessage request, bool byHost) =>
        new(request, byHost ? c.Host : c.Admin, byHost ? c.HostPeers : c.AdminPeers, () => c.StateOfAsync(lab.Name));

    private static Dictionary<string, Func<Callers, Task<RequestIdCase>>> RequestIdCases() => new()
    {
        ["CreateLab"] = c => Task.FromResult(new RequestIdCase(new CreateLabRequest { Lab = Actors.NewLab() }, c.Host, c.HostPeers, c.LabsAsync)),
        ["SubmitLab"] = async c => { var l = (await c.InStateAsync(State.Draft)).Lab; return Transition(c, l, new SubmitLabRequest { Name = l.Name }, byHost: true); },
        ["ReturnLab"] = async c => { var l = (await c.InStateAsync(State.Submitted)).Lab; return Transition(c, l, new ReturnLabRequest { Name = l.Name, Reason = "Add the budget." }, byHost: false); },
        ["StartLabPreliminaryReview"] = async c => { var l = (await c.InStateAsync(State.Submitted)).Lab; return Transition(c, l, new StartLabPreliminaryReviewRequest { Name = l.Name }, byHost: false); },
        ["PassLabPreliminaryReview"] = async c => { var l = (await c.InStateAsync(State.PreliminaryReview)).Lab; return Transition(c, l, new PassLabPreliminaryReviewRequest { Name = l.Name }, byHost: false); },
        ["PassLabExpertReview"] = async c => { var l = (await c.InStateAsync(State.ExpertReview)).Lab; return Transition(c, l, new PassLabExpertReviewRequest { Name = l.Name }, byHost: false); },
        ["RejectLab"] = async c => { var l = (await c.InStateAsync(State.ExpertReview)).Lab; return Transition(c, l, new RejectLabRequest { Name = l.Name, Reason = "Out of scope." }, byHost: false); },
        ["AccreditLab"] = async c => { var l = (await c.InStateAsync(State.PublicNotice)).Lab; return Transition(c, l, new AccreditLabRequest { Name = l.Name }, byHost: false); },
        ["StartLabConstruction"] = async c => { var l = (await c.InStateAsync(State.ApprovedForConstruction)).Lab; return Transition(c, l, new StartLabConstructionRequest { Name = l.Name }, byHost: true); },
        ["RequestLabAcceptance"] = async c => { var l = (await c.InStateAsync(State.Construction)).Lab; return Transition(c, l, new RequestLabAcceptanceRequest { Name = l.Name }, byHost: true); },
        ["PassLabAcceptance"] = async c => { var l = (await c.InStateAsync(State.Acceptance)).Lab; return Transition(c, l, new PassLabAcceptanceRequest { Name = l.Name }, byHost: false); },
        ["DeferLabAcceptance"] = async c =>
        {
            var l = (await c.InStateAsync(State.Acceptance)).Lab;
            var deadline = DateTime.UtcNow.AddYears(1);
            return Transition(c, l, new DeferLabAcceptanceRequest
            {
                Name = l.Name, Reason = "Finish the pilot line.", ConstructionDeadline = new Google.Type.Date { Year = deadline.Year, Month = deadline.Month, Day = 1 },
            }, byHost: false);
        },
        ["FailLabAcceptance"] = async c => { var l = (await c.InStateAsync(State.Acceptance)).Lab; return Transition(c, l, new FailLabAcceptanceRequest { Name = l.Name, Reason = "Not built." }, byHost: false); },
        ["RequireLabRectification"] = async c => { var l = (await c.InStateAsync(State.Operating)).Lab; return Transition(c, l, new RequireLabRectificationRequest { Name = l.Name, Reason = "Staff it." }, byHost: false); },
        ["CompleteLabRectification"] = async c => { var l = (await c.InStateAsync(State.Rectification)).Lab; return Transition(c, l, new CompleteLabRectificationRequest { Name = l.Name }, byHost: false); },
        ["RevokeLab"] = async c => { var l = (await c.InStateAsync(State.Operating)).Lab; return Transition(c, l, new RevokeLabRequest { Name = l.Name, Reason = "Gone." }, byHost: false); },
        ["RequestLabUpgrade"] = async c => { var l = await c.OperatingExcellentAsync(); return Transition(c, l, new RequestLabUpgradeRequest { Name = l.Name }, byHost: true); },
        ["AddLabPartner"] = async c =>
        {
            var l = await c.Actors.CreateAsync();
            return Transition(c, l, new AddLabPartnerRequest
            {
                Parent = l.Name,
                Partner = new Partner { Organization = new Organization { CreditCode = c.Actors.University } },
            }, byHost: true);
        },
        ["AcceptLabPartner"] = async c =>
        {
            var l = await c.Actors.CreateAsync();
            var invited = await c.Actors.InviteUniversityAsync(l);
            return new RequestIdCase(new AcceptLabPartnerRequest { Name = invited.Name }, c.University, c.UniversityPeers, () => c.StateOfAsync(l.Name));
        },
        ["DeclineLabPartner"] = async c =>
        {
            var l = await c.Actors.CreateAsync();
            var invited = await c.Actors.InviteUniversityAsync(l);
            return new RequestIdCase(new DeclineLabPartnerRequest { Name = invited.Name, Reason = "Not this year." }, c.University, c.UniversityPeers,
                () => c.StateOfAsync(l.Name));
        },
        ["RemoveLabPartner"] = async c =>
        {
            var l = await c.Actors.CreateAsync();
            var partner = await c.Actors.AddUniversityAsync(l);
            return Transition(c, l, new RemoveLabPartnerRequest { Name = partner.Name }, byHost: true);
        },
        ["RecordLabEvaluation"] = async c => { var l = await c.Actors.OperatingAsync(); return Transition(c, l, new RecordLabEvaluationRequest { Parent = l.Name, Cycle = 2022, Score = 80 }, byHost: false); },
        ["CloseEvaluationCycle"] = async c =>
        {
            var l = await c.Actors.OperatingAsync();
            // A non-admin is refused before any request id is looked at; the peer who could make the call is another admin.
            return new RequestIdCase(new CloseEvaluationCycleRequest { Cycle = 2019 }, c.Admin, [c.OtherAdmin], async () => await c.StateOfAsync(l.Name));
        },
        ["CreateLabPost"] = async c =>
        {
            var l = await c.Actors.CreateAsync();
            return Transition(c, l, new CreateLabPostRequest
            {
                Parent = l.Name,
                Post = new Post { Kind = Post.Types.Kind.ChiefScientist, Field = "casting", Engagement = Post.Types.Engagement.Remote },
            }, byHost: true);
        },
        ["FillLabPost"] = async c =>
        {
            var l = await c.Actors.CreateAsync();
            var post = await c.PostAsync(l);
            return Transition(c, l, new FillLabPostRequest { Name = post.Name, Appointment = Appointment(c.Actors.University) }, byHost: true);
        },
        ["CloseLabPost"] = async c =>
        {
            var l = await c.Actors.CreateAsync();
            var post = await c.PostAsync(l);
            return Transition(c, l, new CloseLabPostRequest { Name = post.Name }, byHost: true);
        },
        ["CreateOrganizationPost"] = c => Task.FromResult(new RequestIdCase(new CreateOrganizationPostRequest
        {
            Parent = $"organizations/{c.Actors.Enterprise}",
            Post = new Post { Kind = Post.Types.Kind.ChiefEngineer, Field = "casting", Engagement = Post.Types.Engagement.FullTime },
        }, c.Host, c.HostPeers, c.OrganizationPostsAsync)),
        ["FillOrganizationPost"] = async c =>
        {
            var post = await c.OrganizationPostAsync();
            return new RequestIdCase(new FillOrganizationPostRequest { Name = post.Name, Appointment = Appointment(c.Actors.University) }, c.Host, c.HostPeers,
                () => c.OrganizationPostStateAsync(post.Name));
        },
        ["CloseOrganizationPost"] = async c =>
        {
            var post = await c.OrganizationPostAsync();
            return new RequestIdCase(new CloseOrganizationPostRequest { Name = post.Name }, c.Host, c.HostPeers, () => c.OrganizationPostStateAsync(post.Name));
        },
    };

    private static EtagCase Stale(Callers c, (Lab Lab, string StaleEtag) walked, IMessage request, bool byHost) =>
        new(request, walked.StaleEtag, byHost ? c.Host : c.Admin, () => c.StateOfAsync(walked.Lab.Name));

    /// <summary>Each case walks the platform to where the method applies and keeps the etag it had one step earlier.</summary>
    private static Dictionary<string, Func<Callers, Task<EtagCase>>> EtagCases() => new()
    {
        ["UpdateLab"] = async c =>
        {
            var w = await c.EditedDraftAsync();
            return Stale(c, w, new UpdateLabRequest { Lab = new Lab { Name = w.Lab.Name, ResearchField = "alloys" }, UpdateMask = new() { Paths = { "research_field" } } }, byHost: true);
        },
        ["SubmitLab"] = async c => { var w = await c.EditedDraftAsync(); return Stale(c, w, new SubmitLabRequest { Name = w.Lab.Name }, byHost: true); },
        ["ReturnLab"] = async c => { var w = await c.InStateAsync(State.Submitted); return Stale(c, w, new ReturnLabRequest { Name = w.Lab.Name, Reason = "Add the budget." }, byHost: false); },
        ["StartLabPreliminaryReview"] = async c => { var w = await c.InStateAsync(State.Submitted); return Stale(c, w, new StartLabPreliminaryReviewRequest { Name = w.Lab.Name }, byHost: false); },
        ["PassLabPreliminaryReview"] = async c => { var w = await c.InStateAsync(State.PreliminaryReview); return Stale(c, w, new PassLabPreliminaryReviewRequest { Name = w.Lab.Name }, byHost: false); },
        ["PassLabExpertReview"] = async c => { var w = await c.InStateAsync(State.ExpertReview); return Stale(c, w, new PassLabExpertReviewRequest { Name = w.Lab.Name }, byHost: false); },
        ["RejectLab"] = async c => { var w = await c.InStateAsync(State.PublicNotice); return Stale(c, w, new RejectLabRequest { Name = w.Lab.Name, Reason = "Out of scope." }, byHost: false); },
        ["AccreditLab"] = async c => { var w = await c.InStateAsync(State.PublicNotice); return Stale(c, w, new AccreditLabRequest { Name = w.Lab.Name }, byHost: false); },
        ["StartLabConstruction"] = async c => { var w = await c.InStateAsync(State.ApprovedForConstruction); return Stale(c, w, new StartLabConstructionRequest { Name = w.Lab.Name }, byHost: true); },
        ["RequestLabAcceptance"] = async c => { var w = await c.InStateAsync(State.Construction); return Stale(c, w, new RequestLabAcceptanceRequest { Name = w.Lab.Name }, byHost: true); },
        ["PassLabAcceptance"] = async c => { var w = await c.InStateAsync(State.Acceptance); return Stale(c, w, new PassLabAcceptanceRequest { Name = w.Lab.Name }, byHost: false); },
        ["DeferLabAcceptance"] = async c =>
        {
            var w = await c.InStateAsync(State.Acceptance);
            var deadline = DateTime.UtcNow.AddYears(1);
            return Stale(c, w, new DeferLabAcceptanceRequest
            {
                Name = w.Lab.Name, Reason = "Finish the pilot line.", ConstructionDeadline = new Google.Type.Date { Year = deadline.Year, Month = deadline.Month, Day = 1 },
            }, byHost: false);
        },
        ["FailLabAcceptance"] = async c => { var w = await c.InStateAsync(State.Acceptance); return Stale(c, w, new FailLabAcceptanceRequest { Name = w.Lab.Name, Reason = "Not built." }, byHost: false); },
        ["RequireLabRectification"] = async c => { var w = await c.InStateAsync(State.Operating); return Stale(c, w, new RequireLabRectificationRequest { Name = w.Lab.Name, Reason = "Staff it." }, byHost: false); },
        ["CompleteLabRectification"] = async c => { var w = await c.InStateAsync(State.Rectification); return Stale(c, w, new CompleteLabRectificationRequest { Name = w.Lab.Name }, byHost: false); },
        ["RevokeLab"] = async c => { var w = await c.InStateAsync(State.Rectification); return Stale(c, w, new RevokeLabRequest { Name = w.Lab.Name, Reason = "Gone." }, byHost: false); },
        ["RequestLabUpgrade"] = async c =>
        {
            var w = await c.InStateAsync(State.Operating);
            await c.Actors.EvaluateAsync(w.Lab, 2023, 93);
            return Stale(c, w, new RequestLabUpgradeRequest { Name = w.Lab.Name }, byHost: true);
        },
        ["FillLabPost"] = async c =>
        {
            // An open post has had no earlier version; an etag it never had is as stale as one it had.
            var l = await c.Actors.CreateAsync();
            var post = await c.PostAsync(l);
            return new EtagCase(new FillLabPostRequest { Name = post.Name, Appointment = Appointment(c.Actors.University) }, post.Etag + "0", c.Host, () => c.StateOfAsync(l.Name));
        },
        ["CloseLabPost"] = async c =>
        {
            var l = await c.Actors.CreateAsync();
            var post = await c.PostAsync(l);
            await c.Actors.Host.FillLabPostAsync(new FillLabPostRequest { Name = post.Name, Appointment = Appointment(c.Actors.University) });
            return new EtagCase(new CloseLabPostRequest { Name = post.Name }, post.Etag, c.Host, () => c.StateOfAsync(l.Name));
        },
        ["FillOrganizationPost"] = async c =>
        {
            var post = await c.OrganizationPostAsync();
            return new EtagCase(new FillOrganizationPostRequest { Name = post.Name, Appointment = Appointment(c.Actors.University) }, post.Etag + "0", c.Host,
                () => c.OrganizationPostStateAsync(post.Name));
        },
        ["CloseOrganizationPost"] = async c =>
        {
            var post = await c.OrganizationPostAsync();
            await c.Actors.Host.FillOrganizationPostAsync(new FillOrganizationPostRequest { Name = post.Name, Appointment = Appointment(c.Actors.University) });
            return new EtagCase(new CloseOrganizationPostRequest { Name = post.Name }, post.Etag, c.Host, () => c.OrganizationPostStateAsync(post.Name));
        },
    };
}
