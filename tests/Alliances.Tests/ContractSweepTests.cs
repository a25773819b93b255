using Collaboration.Alliances.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using State = Collaboration.Alliances.V1.Alliance.Types.State;

namespace Collaboration.Alliances.Tests;

/// <summary>
/// The shared write and read rules held for every method of the contract: the methods come from the
/// service descriptor, and a method the rule applies to without a scenario here fails the sweep by name.
/// </summary>
public sealed class ContractSweepTests(AlliancesFixture fixture)
{
    private static readonly ServiceDescriptor Contract = AllianceService.Descriptor;

    [Fact]
    public async Task RequestId_ReusedByAnotherCaller_InvalidArgument_NothingHandedOver_NothingChanged()
    {
        var cases = RequestIdCases();
        ContractSweep.AssertCovered("request_id", ContractSweep.MethodsWithField(Contract, "request_id").Select(m => m.Name), cases.Keys);

        await ContractSweep.AllAsync("request_id of another caller", cases.Select(c => (c.Key, (Func<Task>)(async () =>
            await ContractSweep.RequestIdOfAnotherCallerRefusedAsync(Contract.FindMethodByName(c.Key), await c.Value(new Callers(fixture)))))));
    }

    [Fact]
    public async Task Etag_Stale_Aborted_NothingChanged()
    {
        var cases = EtagCases();
        ContractSweep.AssertCovered("etag", ContractSweep.MethodsWithEtag(Contract).Select(m => m.Name), cases.Keys);

        await ContractSweep.AllAsync("stale etag", cases.Select(c => (c.Key, (Func<Task>)(async () =>
            await ContractSweep.StaleEtagAbortedAsync(Contract.FindMethodByName(c.Key), await c.Value(new Callers(fixture)))))));
    }

    [Fact]
    public async Task List_ForEveryCaller_ShowsExactlyWhatGetShows()
    {
        var world = await SeedAsync();
        var alliances = world.Alliances;
        // Filters as one caller sees them: invitations_for_me depends on who asks.
        Dictionary<string, IReadOnlyList<(object Value, Func<Alliance, bool> Matches)>> FiltersFor(string? organization) => new()
        {
            ["state"] = [.. Enum.GetValues<State>().Where(s => s != State.Unspecified).Select(s => ((object)s, (Func<Alliance, bool>)(a => a.State == s)))],
            ["industry_chain"] = [.. Chains.Select(c => ((object)c, (Func<Alliance, bool>)(a => a.IndustryChain == c)))],
            ["member_credit_code"] = [.. world.Organizations.Select(o => ((object)o, (Func<Alliance, bool>)(a => world.CurrentMembers[a.Name].Contains(o))))],
            ["founded_year"] = [.. Years.Select(y => ((object)y, (Func<Alliance, bool>)(a => a.FoundedDate.Year == y)))],
            // Without an identity service (the development key) no organisation holds a partner grant, so "shared with me"
            // lists nothing for any caller, admins included: this pins that the filter never widens the visibility rule.
            // What a grant adds is covered with the real identity service in EndToEnd.Tests' grant tests.
            ["shared_with_me"] = [(true, _ => false)],
            ["invitations_for_me"] = [(true, a => organization is not null && world.InvitedMembers[a.Name].Contains(organization))],
        };
        var list = Contract.FindMethodByName(nameof(AllianceService.AllianceServiceClient.ListAlliances));
        ContractSweep.AssertCovered("ListAlliances filters", ContractSweep.Filters(list.InputType), FiltersFor(null).Keys);
        var children = new Dictionary<string, IReadOnlyList<Func<string, IMessage>>>
        {
            ["ListMembers"] = [p => new ListMembersRequest { Parent = p }, p => new ListMembersRequest { Parent = p, ShowLeft = true }],
            ["ListEvaluations"] = [p => new ListEvaluationsRequest { Parent = p }],
            ["ListAuditEntries"] = [p => new ListAuditEntriesRequest { Parent = p }],
        };
        ContractSweep.AssertCovered("List methods", ContractSweep.ListMethods(Contract).Select(m => m.Name), [list.Name, .. children.Keys]);

        var get = Contract.FindMethodByName(nameof(AllianceService.AllianceServiceClient.GetAlliance));
        var admin = world.Callers["city admin"];
        var adminChildren = new Dictionary<(string, int, string), string>();
        foreach (var (method, requests) in children)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                foreach (var a in alliances)
                {
                    adminChildren[(method, i, a.Name)] = ContractSweep.Text(await ContractSweep.AllPagesAsync(admin, Contract.FindMethodByName(method), requests[i](a.Name), pageSize: 2));
                }
            }
        }

        await ContractSweep.AllAsync("list visibility", world.Callers.Select(caller => (caller.Key, (Func<Task>)(async () =>
        {
            var client = caller.Value;
            var readable = new Dictionary<string, IMessage>();
            foreach (var a in alliances)
            {
                try
                {
                    readable[a.Name] = await client.CallAsync(get, new GetAllianceRequest { Name = a.Name });
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                }
            }
            await AssertListMatchesAsync(client, list, new ListAlliancesRequest(), "unfiltered", readable, alliances, _ => true);
            foreach (var (field, values) in FiltersFor(world.Organization[caller.Key]))
            {
                foreach (var (value, matches) in values)
                {
                    await AssertListMatchesAsync(client, list, ContractSweep.With(new ListAlliancesRequest(), field, value), $"{field}={value}", readable, alliances, matches);
                }
            }

            foreach (var (method, requests) in children)
            {
                var child = Contract.FindMethodByName(method);
                for (var i = 0; i < requests.Count; i++)
                {
                    foreach (var a in alliances)
                    {
                        var request = requests[i](a.Name);
                        var auditForbidden = method == "ListAuditEntries" && world.Organization[caller.Key] is { } org && org != a.LeadOrganization.CreditCode;
                        if (!readable.ContainsKey(a.Name))
                        {
                            Assert.False(await client.SucceedsAsync(child, request), $"{method} {request} answered although GetAlliance is NOT_FOUND");
                        }
                        else if (auditForbidden)
                        {
                            Assert.False(await client.SucceedsAsync(child, request, StatusCode.PermissionDenied), $"{method} {request} shows the audit trail beyond the lead");
                        }
                        else
                        {
                            Assert.True(adminChildren[(method, i, a.Name)] == ContractSweep.Text(await ContractSweep.AllPagesAsync(client, child, request, pageSize: 2)),
                                $"{method} {request} shows other records than the admin sees");
                        }
                    }
                }
            }
        }))));
    }

    private static async Task AssertListMatchesAsync(DynamicClient client, MethodDescriptor list, IMessage request, string what,
        Dictionary<string, IMessage> readable, IReadOnlyList<Alliance> seeded, Func<Alliance, bool> matches)
    {
        var ours = seeded.Select(a => a.Name).ToHashSet();
        var listed = (await ContractSweep.AllPagesAsync(client, list, request, pageSize: 100))
            .Where(m => ours.Contains(ContractSweep.NameOf(m))).ToDictionary(ContractSweep.NameOf);
        var expected = seeded.Where(a => matches(a) && readable.ContainsKey(a.Name)).Select(a => a.Name).ToHashSet();
        var shownNotReadable = listed.Keys.Except(expected).Order().ToList();
        var readableNotShown = expected.Except(listed.Keys).Order().ToList();
        Assert.True(shownNotReadable.Count == 0 && readableNotShown.Count == 0,
            $"{list.Name} {what}: listed but not for Get (or not matching) [{Describe(shownNotReadable, seeded)}]; readable by Get but not listed [{Describe(readableNotShown, seeded)}]");
        foreach (var (name, item) in listed)
        {
            Assert.True(item.Equals(readable[name]), $"{list.Name} {what}: {name} is listed as {item} but Get shows {readable[name]}");
        }
    }

    private static string Describe(IEnumerable<string> names, IReadOnlyList<Alliance> seeded) =>
        string.Join(", ", names.Select(n => $"{n} ({seeded.Single(a => a.Name == n).State})"));

    private static readonly string[] Chains = ["steel-new-materials", "advanced-equipment"];
    private static readonly int[] Years = [2019, 2023];

    private sealed record World(IReadOnlyList<Alliance> Alliances, IReadOnlyList<string> Organizations,
        IReadOnlyDictionary<string, HashSet<string>> CurrentMembers, IReadOnlyDictionary<string, HashSet<string>> InvitedMembers,
        IReadOnlyDictionary<string, DynamicClient> Callers, IReadOnlyDictionary<string, string?> Organization);

    /// <summary>
    /// Two leads with an alliance in every state (and one returned to draft); the first lead's alliances
    /// have an active member university, a former member, an institute still invited and an enterprise that declined,
    /// the second lead's another university.
    /// </summary>
    private async Task<World> SeedAsync()
    {
        var first = new Actors(fixture);
        var second = new Actors(fixture);
        var former = await fixture.Directory.NewAsync("university");
        var invited = await fixture.Directory.NewAsync("research_institute");
        var declined = await fixture.Directory.NewAsync("enterprise");
        var stranger = await fixture.Directory.NewAsync("enterprise");
        var targets = new (State State, bool Returned)[]
        {
            (State.Draft, false), (State.Draft, true), (State.Submitted, false), (State.Approved, false), (State.Rectification, false), (State.Dissolved, false),
        };
        var walks = new List<Task<Alliance>>();
        foreach (var (lead, index) in new[] { (first, 0), (second, 1) })
        {
            foreach (var (target, i) in targets.Select((t, i) => (t, i)))
            {
                walks.Add(WalkAsync(lead, target.State, target.Returned, Chains[index], Years[i % 2], index == 0 ? (former, invited, declined) : null));
            }
        }
        var alliances = new List<Alliance>();
        var members = new Dictionary<string, HashSet<string>>();
        var invitations = new Dictionary<string, HashSet<string>>();
        foreach (var walked in await Task.WhenAll(walks))
        {
            var a = await first.Admin.GetAllianceAsync(new GetAllianceRequest { Name = walked.Name });
            alliances.Add(a);
            var listed = await first.Admin.ListMembersAsync(new ListMembersRequest { Parent = a.Name, PageSize = 200, ShowLeft = true });
            members[a.Name] = [.. listed.Members.Where(m => m.State == LinkState.Active).Select(m => m.Organization.CreditCode)];
            invitations[a.Name] = [.. listed.Members.Where(m => m.State == LinkState.Invited).Select(m => m.Organization.CreditCode)];
        }
        var service = fixture.Service;
        var who = new (string Key, string? Organization, string Token)[]
        {
            ("city admin", null, Tokens.Admin()),
            ("lead owner", first.Enterprise, Tokens.For(first.Enterprise, "enterprise")),
            ("lead editor", first.Enterprise, Tokens.For(first.Enterprise, "enterprise", "editor")),
            ("lead viewer", first.Enterprise, Tokens.For(first.Enterprise, "enterprise", "viewer")),
            ("another lead", second.Enterprise, Tokens.For(second.Enterprise, "enterprise")),
            ("member university", first.University, Tokens.For(first.University, "university")),
            ("former member", former, Tokens.For(former, "university")),
            ("invited institute", invited, Tokens.For(invited, "research_institute")),
            ("declined enterprise", declined, Tokens.For(declined, "enterprise")),
            ("stranger", stranger, Tokens.For(stranger, "enterprise")),
        };
        var callers = who.ToDictionary(w => w.Key, w => service.Client<DynamicClient>(w.Token));
        return new World(alliances, [first.Enterprise, second.Enterprise, first.University, second.University, former, invited, declined, stranger],
            members, invitations, callers, who.ToDictionary(w => w.Key, w => w.Organization));
    }

    /// <summary>A new alliance of this lead walked through the API to the state (returned: submitted, then returned to draft).</summary>
    private static async Task<Alliance> WalkAsync(Actors lead, State target, bool returned, string chain, int year,
        (string Former, string Invited, string Declined)? others)
    {
        var request = new CreateAllianceRequest { Alliance = Actors.NewAlliance(chain: chain) };
        request.Alliance.FoundedDate = new Google.Type.Date { Year = year, Month = 3, Day = 1 };
        var alliance = await lead.Lead.CreateAllianceAsync(request);
        await lead.AddUniversityAsync(alliance);
        if (others is var (former, invited, declined))
        {
            var member = await lead.AddAcceptedAsync(alliance, former, "university", joined: new Google.Type.Date { Year = 2024, Month = 1, Day = 1 });
            await lead.Lead.RemoveMemberAsync(new RemoveMemberRequest { Name = member.Name });
            await lead.InviteAsync(alliance, invited, Member.Types.Role.Member);
            var refused = await lead.InviteAsync(alliance, declined, Member.Types.Role.Observer);
            await lead.As(declined, "enterprise").DeclineMemberAsync(new DeclineMemberRequest { Name = refused.Name, Reason = "Not our field." });
        }
        if (target == State.Draft && !returned)
        {
            return alliance;
        }
        alliance = await lead.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = alliance.Name });
        if (returned)
        {
            return await lead.Admin.ReturnAllianceAsync(new ReturnAllianceRequest { Name = alliance.Name, Reason = "Add the charter." });
        }
        if (target == State.Submitted)
        {
            return alliance;
        }
        alliance = await lead.Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = alliance.Name });
        await lead.Admin.RecordEvaluationAsync(new RecordEvaluationRequest { Parent = alliance.Name, Year = 2024, Score = 80 });
        return target switch
        {
            State.Rectification => await lead.Admin.RequireAllianceRectificationAsync(new RequireAllianceRectificationRequest { Name = alliance.Name, Reason = "Meet." }),
            State.Dissolved => await lead.Admin.DissolveAllianceAsync(new DissolveAllianceRequest { Name = alliance.Name }),
            _ => alliance,
        };
    }

    /// <summary>Callers around one fresh lead enterprise.</summary>
    private sealed class Callers(AlliancesFixture fixture)
    {
        private readonly ServiceHost service = fixture.Service;
        public Actors Actors { get; } = new(fixture);
        public DynamicClient Lead => service.Client<DynamicClient>(Tokens.For(Actors.Enterprise, "enterprise"));
        public DynamicClient University => service.Client<DynamicClient>(Tokens.For(Actors.University, "university"));

        /// <summary>Who else could send the invited university's answer: another person of it, the lead, and another enterprise.</summary>
        public IReadOnlyList<(string, DynamicClient)> UniversityPeers =>
        [
            ("an editor of the university", service.Client<DynamicClient>(Tokens.For(Actors.University, "university", "editor"))),
            ("the lead", service.Client<DynamicClient>(Tokens.For(Actors.Enterprise, "enterprise"))),
            ("another enterprise", service.Client<DynamicClient>(Tokens.For(Actors.OtherEnterprise, "enterprise"))),
        ];
        public DynamicClient Admin => service.Client<DynamicClient>(Tokens.Admin());

        /// <summary>Who else could send the lead's request: another person of the lead, and another enterprise.</summary>
        public IReadOnlyList<(string, DynamicClient)> LeadPeers =>
        [
            ("an editor of the lead", service.Client<DynamicClient>(Tokens.For(Actors.Enterprise, "enterprise", "editor"))),
            ("another enterprise", service.Client<DynamicClient>(Tokens.For(Actors.OtherEnterprise, "enterprise"))),
        ];

        /// <summary>Who else could send an admin's request: another admin, and an enterprise.</summary>
        public IReadOnlyList<(string, DynamicClient)> AdminPeers =>
        [
            ("another admin", service.Client<DynamicClient>(Tokens.Admin("second-admin@city"))),
            ("another enterprise", service.Client<DynamicClient>(Tokens.For(Actors.OtherEnterprise, "enterprise"))),
        ];

        /// <summary>Everything a write can change on the alliance, as the admin reads it.</summary>
        public async Task<string> StateOfAsync(string alliance)
        {
            var admin = Actors.Admin;
            return ContractSweep.Text(
                await admin.GetAllianceAsync(new GetAllianceRequest { Name = alliance }),
                await admin.ListMembersAsync(new ListMembersRequest { Parent = alliance, ShowLeft = true, PageSize = 200 }),
                await admin.ListEvaluationsAsync(new ListEvaluationsRequest { Parent = alliance, PageSize = 200 }),
                await admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { Parent = alliance, PageSize = 200 }));
        }

        /// <summary>The alliances of the lead and of the other enterprise, as the admin lists them.</summary>
        public async Task<string> AlliancesAsync() => ContractSweep.Text(
            await Actors.Admin.ListAlliancesAsync(new ListAlliancesRequest { MemberCreditCode = Actors.Enterprise, PageSize = 200 }),
            await Actors.Admin.ListAlliancesAsync(new ListAlliancesRequest { MemberCreditCode = Actors.OtherEnterprise, PageSize = 200 }));

        public async Task<Alliance> DraftWithUniversityAsync()
        {
            var alliance = await Actors.CreateAsync();
            await Actors.AddUniversityAsync(alliance);
            return await Actors.Admin.GetAllianceAsync(new GetAllianceRequest { Name = alliance.Name });
        }

        public async Task<Alliance> SubmittedAsync() =>
            await Actors.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = (await DraftWithUniversityAsync()).Name });

        public async Task<Alliance> RectificationAsync() =>
            await Actors.Admin.RequireAllianceRectificationAsync(new RequireAllianceRectificationRequest { Name = (await Actors.ApprovedAsync()).Name, Reason = "Meet." });
    }

    private static Dictionary<string, Func<Callers, Task<RequestIdCase>>> RequestIdCases() => new()
    {
        ["CreateAlliance"] = c => Task.FromResult(new RequestIdCase(new CreateAllianceRequest { Alliance = Actors.NewAlliance() }, c.Lead, c.LeadPeers, c.AlliancesAsync)),
        ["SubmitAlliance"] = async c =>
        {
            var a = await c.DraftWithUniversityAsync();
            return new RequestIdCase(new SubmitAllianceRequest { Name = a.Name }, c.Lead, c.LeadPeers, () => c.StateOfAsync(a.Name));
        },
        ["ApproveAlliance"] = async c =>
        {
            var a = await c.SubmittedAsync();
            return new RequestIdCase(new ApproveAllianceRequest { Name = a.Name }, c.Admin, c.AdminPeers, () => c.StateOfAsync(a.Name));
        },
        ["ReturnAlliance"] = async c =>
        {
            var a = await c.SubmittedAsync();
            return new RequestIdCase(new ReturnAllianceRequest { Name = a.Name, Reason = "Add the charter." }, c.Admin, c.AdminPeers, () => c.StateOfAsync(a.Name));
        },
        ["RequireAllianceRectification"] = async c =>
        {
            var a = await c.Actors.ApprovedAsync();
            return new RequestIdCase(new RequireAllianceRectificationRequest { Name = a.Name, Reason = "Meet." }, c.Admin, c.AdminPeers, () => c.StateOfAsync(a.Name));
        },
        ["ReinstateAlliance"] = async c =>
        {
            var a = await c.RectificationAsync();
            return new RequestIdCase(new ReinstateAllianceRequest { Name = a.Name }, c.Admin, c.AdminPeers, () => c.StateOfAsync(a.Name));
        },
        ["DissolveAlliance"] = async c =>
        {
            var a = await c.Actors.ApprovedAsync();
            return new RequestIdCase(new DissolveAllianceRequest { Name = a.Name, Reason = "Wound up." }, c.Admin, c.AdminPeers, () => c.StateOfAsync(a.Name));
        },
        ["AddMember"] = async c =>
        {
            var a = await c.Actors.CreateAsync();
            var request = new AddMemberRequest
            {
                Parent = a.Name,
                Member = new Member
                {
                    Organization = new Organization { CreditCode = await c.Actors.Directory.NewAsync("university") },
                    Role = Member.Types.Role.Member,
                },
            };
            return new RequestIdCase(request, c.Lead, c.LeadPeers, () => c.StateOfAsync(a.Name));
        },
        ["AcceptMember"] = async c =>
        {
            var a = await c.Actors.CreateAsync();
            var invited = await c.Actors.InviteUniversityAsync(a);
            return new RequestIdCase(new AcceptMemberRequest { Name = invited.Name }, c.University, c.UniversityPeers, () => c.StateOfAsync(a.Name));
        },
        ["DeclineMember"] = async c =>
        {
            var a = await c.Actors.CreateAsync();
            var invited = await c.Actors.InviteUniversityAsync(a);
            return new RequestIdCase(new DeclineMemberRequest { Name = invited.Name, Reason = "Not now." }, c.University, c.UniversityPeers,
                () => c.StateOfAsync(a.Name));
        },
        ["RemoveMember"] = async c =>
        {
            var a = await c.Actors.CreateAsync();
            var member = await c.Actors.AddUniversityAsync(a);
            return new RequestIdCase(new RemoveMemberRequest { Name = member.Name }, c.Lead, c.LeadPeers, () => c.StateOfAsync(a.Name));
        },
        ["RecordEvaluation"] = async c =>
        {
            var a = await c.Actors.ApprovedAsync();
            return new RequestIdCase(new RecordEvaluationRequest { Parent = a.Name, Year = 2024, Score = 80 }, c.Admin, c.AdminPeers, () => c.StateOfAsync(a.Name));
        },
    };

    /// <summary>Each case walks the alliance to where the method applies and keeps the etag it had one step earlier.</summary>
    private static Dictionary<string, Func<Callers, Task<EtagCase>>> EtagCases() => new()
    {
        ["UpdateAlliance"] = async c =>
        {
            var a = await c.DraftWithUniversityAsync();
            var request = new UpdateAllianceRequest { Alliance = new Alliance { Name = a.Name, ShortName = "Renamed" }, UpdateMask = new() { Paths = { "short_name" } } };
            await c.Actors.Lead.UpdateAllianceAsync(new UpdateAllianceRequest { Alliance = new Alliance { Name = a.Name, ShortName = "First" }, UpdateMask = new() { Paths = { "short_name" } } });
            return new EtagCase(request, a.Etag, c.Lead, () => c.StateOfAsync(a.Name));
        },
        ["SubmitAlliance"] = async c =>
        {
            var a = await c.DraftWithUniversityAsync();
            await c.Actors.Lead.UpdateAllianceAsync(new UpdateAllianceRequest { Alliance = new Alliance { Name = a.Name, ShortName = "First" }, UpdateMask = new() { Paths = { "short_name" } } });
            return new EtagCase(new SubmitAllianceRequest { Name = a.Name }, a.Etag, c.Lead, () => c.StateOfAsync(a.Name));
        },
        ["ApproveAlliance"] = async c =>
        {
            var a = await c.DraftWithUniversityAsync();
            await c.Actors.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = a.Name });
            return new EtagCase(new ApproveAllianceRequest { Name = a.Name }, a.Etag, c.Admin, () => c.StateOfAsync(a.Name));
        },
        ["ReturnAlliance"] = async c =>
        {
            var a = await c.DraftWithUniversityAsync();
            await c.Actors.Lead.SubmitAllianceAsync(new SubmitAllianceRequest { Name = a.Name });
            return new EtagCase(new ReturnAllianceRequest { Name = a.Name, Reason = "Add the charter." }, a.Etag, c.Admin, () => c.StateOfAsync(a.Name));
        },
        ["RequireAllianceRectification"] = async c =>
        {
            var a = await c.SubmittedAsync();
            await c.Actors.Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = a.Name });
            return new EtagCase(new RequireAllianceRectificationRequest { Name = a.Name, Reason = "Meet." }, a.Etag, c.Admin, () => c.StateOfAsync(a.Name));
        },
        ["DissolveAlliance"] = async c =>
        {
            var a = await c.SubmittedAsync();
            await c.Actors.Admin.ApproveAllianceAsync(new ApproveAllianceRequest { Name = a.Name });
            return new EtagCase(new DissolveAllianceRequest { Name = a.Name }, a.Etag, c.Admin, () => c.StateOfAsync(a.Name));
        },
        ["ReinstateAlliance"] = async c =>
        {
            var a = await c.Actors.ApprovedAsync();
            await c.Actors.Admin.RequireAllianceRectificationAsync(new RequireAllianceRectificationRequest { Name = a.Name, Reason = "Meet." });
            return new EtagCase(new ReinstateAllianceRequest { Name = a.Name }, a.Etag, c.Admin, () => c.StateOfAsync(a.Name));
        },
    };
}
