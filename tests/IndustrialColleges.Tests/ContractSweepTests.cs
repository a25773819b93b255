using Collaboration.Colleges.V1;
using Collaboration.TestSupport;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using static Collaboration.TestSupport.ContractSweepCc;
using State = Collaboration.Colleges.V1.IndustrialCollege.Types.State;

namespace Collaboration.IndustrialColleges.Tests;

/// <summary>
/// The shared write and read rules held over every method the contract gives them: a request_id reused by another
/// caller, a stale etag, and list visibility against get visibility, per caller, across states and organisations.
/// The methods come from the service descriptor, so a new method fails here until it has a scenario.
/// </summary>
public sealed class ContractSweepTests(CollegesFixture fixture)
{
    private static readonly ServiceDescriptor Service = IndustrialCollegeService.Descriptor;
    private const string SecondChain = "advanced-equipment";

    private static MethodDescriptor M(string name) => Service.FindMethodByName(name) ?? throw new ArgumentException($"no method {name}");

    private ContractClient C(string token) => fixture.Service.Client<ContractClient>(token);

    private static string Host(Actors a, string role = "owner") => Tokens.For(a.College, "vocational_college", role);
    private static string Enterprise(string code, string role = "owner") => Tokens.For(code, "enterprise", role);
    private static string Admin2 => Tokens.Admin("second-admin@city");

    // ---------------------------------------------------------------- request_id

    /// <summary>A write ready to run: who runs it first, who replays its request_id, the request, and what must not change.</summary>
    private sealed record Replay(string Caller, string[] Others, IMessage Request, Func<IMessage, Task<string>> Snapshot);

    private Dictionary<string, Func<Actors, Task<Replay>>> ReplayScenarios()
    {
        Replay OnCollegeOf(string caller, string[] others, IndustrialCollege college, IMessage request) =>
            new(caller, others, request, _ => SnapshotAsync(college.Name));
        Task<Replay> OnCollege(string caller, string[] others, IndustrialCollege college, IMessage request) =>
            Task.FromResult(OnCollegeOf(caller, others, college, request));
        Replay Act(string method, string caller, string[] others, IndustrialCollege college) =>
            OnCollegeOf(caller, others, college, LifecycleRequest(method, college));

        return new()
        {
            ["CreateIndustrialCollege"] = a =>
            {
                var request = new CreateIndustrialCollegeRequest { IndustrialCollege = Actors.NewCollege() };
                var otherCollege = Tokens.For(fixture.Directory.New("vocational_college"), "vocational_college");
                return Task.FromResult(new Replay(Host(a), [Host(a, "editor"), otherCollege], request, async created =>
                    $"{await fixture.ScalarAsync("SELECT count(*) FROM industrial_colleges WHERE display_name = @n",
                        ("n", request.IndustrialCollege.DisplayName))}\n{await SnapshotAsync((string)Get(created, "name")!)}"));
            },
            ["SubmitIndustrialCollege"] = async a => Act("SubmitIndustrialCollege", Host(a), [Host(a, "editor"), Enterprise(a.Outsider)], await WalkAsync(a, State.Planning)),
            ["ReturnIndustrialCollege"] = async a => Act("ReturnIndustrialCollege", Tokens.Admin(), [Admin2, Host(a)], await WalkAsync(a, State.Submitted)),
            ["ApproveIndustrialCollege"] = async a => Act("ApproveIndustrialCollege", Tokens.Admin(), [Admin2, Host(a)], await WalkAsync(a, State.Submitted)),
            ["OpenIndustrialCollege"] = async a => Act("OpenIndustrialCollege", Host(a), [Host(a, "editor"), Enterprise(a.PartnerA)], await WalkAsync(a, State.Approved)),
            ["StartIndustrialCollegeReview"] = async a => Act("StartIndustrialCollegeReview", Tokens.Admin(), [Admin2, Host(a)], await WalkAsync(a, State.Operating)),
            ["ReinstateIndustrialCollege"] = async a => Act("ReinstateIndustrialCollege", Tokens.Admin(), [Admin2, Host(a)], await WalkAsync(a, State.UnderReview)),
            ["CloseIndustrialCollege"] = async a => Act("CloseIndustrialCollege", Tokens.Admin(), [Admin2, Host(a)], await WalkAsync(a, State.Operating)),
            ["AddPartner"] = async a =>
            {
                var college = await a.CreateAsync();
                return await OnCollege(Host(a), [Host(a, "editor"), Enterprise(a.Outsider)], college, new AddPartnerRequest
                {
                    Parent = college.Name,
                    Partner = new Partner { Organization = new() { CreditCode = a.PartnerB, Name = "Enterprise B" }, Role = Partner.Types.Role.Partner },
                });
            },
            ["AcceptPartner"] = async a =>
            {
                var college = await a.CreateAsync();
                var invited = await a.InviteAsync(college, a.PartnerB);
                return await OnCollege(Enterprise(a.PartnerB), [Enterprise(a.PartnerB, "editor"), Host(a)], college,
                    new AcceptPartnerRequest { Name = invited.Name });
            },
            ["DeclinePartner"] = async a =>
            {
                var college = await a.CreateAsync();
                var invited = await a.InviteAsync(college, a.PartnerB);
                return await OnCollege(Enterprise(a.PartnerB), [Enterprise(a.PartnerB, "editor"), Host(a)], college,
                    new DeclinePartnerRequest { Name = invited.Name, Reason = "产能不足" });
            },
            ["RemovePartner"] = async a =>
            {
                var college = await a.CreateAsync();
                await a.AddPartnerAsync(college, a.PartnerA, Partner.Types.Role.FoundingPartner);
                var b = await a.AddPartnerAsync(college, a.PartnerB);
                return await OnCollege(Host(a), [Host(a, "editor"), Enterprise(a.PartnerB)], college, new RemovePartnerRequest { Name = b.Name });
            },
            ["CreateCourse"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating);
                return await OnCollege(Enterprise(a.PartnerA), [Enterprise(a.PartnerA, "editor"), Enterprise(a.PartnerB)], college, new CreateCourseRequest
                {
                    Parent = college.Name, Course = new Course { Title = "连铸工艺", Hours = 32, MajorCodes = { "430102" } },
                });
            },
            ["CreateTrainingBase"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating);
                return await OnCollege(Enterprise(a.PartnerA), [Enterprise(a.PartnerA, "editor"), Enterprise(a.PartnerB)], college, new CreateTrainingBaseRequest
                {
                    Parent = college.Name, TrainingBase = new TrainingBase { DisplayName = "实训基地", Address = "娄底经开区", Capacity = 20 },
                });
            },
            ["CreateMentor"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating);
                return await OnCollege(Enterprise(a.PartnerA), [Enterprise(a.PartnerA, "editor"), Enterprise(a.PartnerB)], college,
                    new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });
            },
            ["CreateReport"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating);
                return await OnCollege(Host(a), [Host(a, "editor"), Enterprise(a.PartnerA)], college,
                    new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) });
            },
            ["AcceptReport"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating, report: true);
                return await OnCollege(Tokens.Admin(), [Admin2, Host(a)], college, new AcceptReportRequest { Name = $"{college.Name}/reports/2024" });
            },
        };
    }

    [Fact]
    public async Task RequestId_ReusedByAnotherCaller_IsRefusedNamingRequestId_AndChangesNothing()
    {
        var paths = MethodsWithField(Service, "request_id");
        var scenarios = ReplayScenarios();
        AssertEveryMethodCovered("request_id reused by another caller", paths.Keys, scenarios.Keys);

        var failures = await RunAllAsync(scenarios.Keys, async method =>
        {
            var replay = await scenarios[method](new Actors(fixture));
            var request = replay.Request;
            Set(request, paths[method], Guid.NewGuid().ToString());
            var first = await C(replay.Caller).CallAsync(M(method), request);
            var before = await replay.Snapshot(first);
            foreach (var other in replay.Others)
            {
                await AssertFieldRefused("request_id", () => C(other).CallAsync(M(method), request), $"{method} replayed by another caller");
            }
            Assert.Equal(before, await replay.Snapshot(first));
            Assert.Equal(first, await C(replay.Caller).CallAsync(M(method), request));
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // ---------------------------------------------------------------- etag

    /// <summary>A write that would succeed with the current etag in the request; what must not change when it is stale.</summary>
    private sealed record StaleEtag(string Caller, IMessage Request, Func<Task<string>> Snapshot);

    private Dictionary<string, Func<Actors, Task<StaleEtag>>> EtagScenarios()
    {
        StaleEtag Lifecycle(string method, string caller, IndustrialCollege college)
        {
            var request = LifecycleRequest(method, college);
            Set(request, "etag", college.Etag);
            return new StaleEtag(caller, request, () => SnapshotAsync(college.Name));
        }

        return new()
        {
            ["UpdateIndustrialCollege"] = async a =>
            {
                var college = await a.CreateAsync();
                var request = new UpdateIndustrialCollegeRequest
                {
                    IndustrialCollege = new IndustrialCollege { Name = college.Name, Etag = college.Etag, AnnualEnrolmentCapacity = 150 },
                    UpdateMask = new() { Paths = { "annual_enrolment_capacity" } },
                };
                return new StaleEtag(Host(a), request, () => SnapshotAsync(college.Name));
            },
            ["SubmitIndustrialCollege"] = async a => Lifecycle("SubmitIndustrialCollege", Host(a), await WalkAsync(a, State.Planning)),
            ["ReturnIndustrialCollege"] = async a => Lifecycle("ReturnIndustrialCollege", Tokens.Admin(), await WalkAsync(a, State.Submitted)),
            ["ApproveIndustrialCollege"] = async a => Lifecycle("ApproveIndustrialCollege", Tokens.Admin(), await WalkAsync(a, State.Submitted)),
            ["OpenIndustrialCollege"] = async a => Lifecycle("OpenIndustrialCollege", Host(a), await WalkAsync(a, State.Approved)),
            ["StartIndustrialCollegeReview"] = async a => Lifecycle("StartIndustrialCollegeReview", Tokens.Admin(), await WalkAsync(a, State.Operating)),
            ["ReinstateIndustrialCollege"] = async a => Lifecycle("ReinstateIndustrialCollege", Tokens.Admin(), await WalkAsync(a, State.UnderReview)),
            ["CloseIndustrialCollege"] = async a => Lifecycle("CloseIndustrialCollege", Tokens.Admin(), await WalkAsync(a, State.Operating)),
            ["UpdateCourse"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating, contributions: true);
                var course = (await a.A.ListCoursesAsync(new ListCoursesRequest { Parent = college.Name })).Courses.First();
                var request = new UpdateCourseRequest
                {
                    Course = new Course { Name = course.Name, Etag = course.Etag, Hours = 80 },
                    UpdateMask = new() { Paths = { "hours" } },
                };
                return new StaleEtag(Enterprise(a.PartnerA), request, () => SnapshotAsync(college.Name));
            },
            ["UpdateTrainingBase"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating, contributions: true);
                var trainingBase = (await a.A.ListTrainingBasesAsync(new ListTrainingBasesRequest { Parent = college.Name })).TrainingBases.First();
                var request = new UpdateTrainingBaseRequest
                {
                    TrainingBase = new TrainingBase { Name = trainingBase.Name, Etag = trainingBase.Etag, Capacity = 80 },
                    UpdateMask = new() { Paths = { "capacity" } },
                };
                return new StaleEtag(Enterprise(a.PartnerA, "editor"), request, () => SnapshotAsync(college.Name));
            },
            ["UpdateMentor"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating, contributions: true);
                var mentor = (await a.A.ListMentorsAsync(new ListMentorsRequest { Parent = college.Name })).Mentors
                    .First(m => m.EnterpriseCreditCode == a.PartnerA);
                var request = new UpdateMentorRequest
                {
                    Mentor = new Mentor { Name = mentor.Name, Etag = mentor.Etag, Specialty = "轧钢" },
                    UpdateMask = new() { Paths = { "specialty" } },
                };
                return new StaleEtag(Enterprise(a.PartnerA), request, () => SnapshotAsync(college.Name));
            },
            ["UpdateReport"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating, report: true);
                var report = await a.Host.GetReportAsync(new GetReportRequest { Name = $"{college.Name}/reports/2024" });
                var request = new UpdateReportRequest
                {
                    Report = new Report { Name = report.Name, Etag = report.Etag, MentorHours = 1000 },
                    UpdateMask = new() { Paths = { "mentor_hours" } },
                };
                return new StaleEtag(Host(a), request, () => SnapshotAsync(college.Name));
            },
            ["AcceptReport"] = async a =>
            {
                var college = await WalkAsync(a, State.Operating, report: true);
                var report = await a.Host.GetReportAsync(new GetReportRequest { Name = $"{college.Name}/reports/2024" });
                return new StaleEtag(Tokens.Admin(), new AcceptReportRequest { Name = report.Name, Etag = report.Etag }, () => SnapshotAsync(college.Name));
            },
        };
    }

    [Fact]
    public async Task Etag_Stale_IsAborted_AndChangesNothing()
    {
        var paths = MethodsWithField(Service, "etag");
        var scenarios = EtagScenarios();
        AssertEveryMethodCovered("stale etag", paths.Keys, scenarios.Keys);

        var failures = await RunAllAsync(scenarios.Keys, async method =>
        {
            var stale = await scenarios[method](new Actors(fixture));
            var current = (string)Get(stale.Request, paths[method])!;
            Assert.False(string.IsNullOrEmpty(current), $"{method}: the scenario must send the current etag");
            var before = await stale.Snapshot();
            Set(stale.Request, paths[method], (long.Parse(current, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await GrpcAssert.Status(StatusCode.Aborted, () => C(stale.Caller).CallAsync(M(method), stale.Request));
            Assert.Equal(before, await stale.Snapshot());
            // The same request with the current etag succeeds: the refusal was the etag's.
            Set(stale.Request, paths[method], current);
            await C(stale.Caller).CallAsync(M(method), stale.Request);
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // ---------------------------------------------------------------- list visibility

    private sealed record Seeded(IndustrialCollege College, string[] CurrentPartners, string[] Invited);

    [Fact]
    public async Task Lists_ShowEachCallerExactlyWhatGetLetsItRead()
    {
        var lists = Service.Methods.Where(m => m.Name.StartsWith("List", StringComparison.Ordinal)).ToList();
        // Top-level lists are walked with every filter value; child lists under every seeded college.
        AssertEveryMethodCovered("list visibility", lists.Select(m => m.Name),
            lists.Where(m => m.InputType.FindFieldByName("parent") is not null || m.Name == "ListIndustrialColleges").Select(m => m.Name));

        var a = new Actors(fixture);
        var other = new Actors(fixture);
        // Invited to every college of the first host before its walk; it declines the approved one's invitation and the
        // host withdraws the one under review: what an invitation lets it read, and what it no longer does once ended.
        var invitee = await fixture.Directory.NewAsync("enterprise");
        var seeded = new List<Seeded>();
        foreach (var state in new[] { State.Planning, State.Submitted, State.Approved, State.Operating, State.UnderReview, State.Closed })
        {
            var answer = state switch { State.Approved => "decline", State.UnderReview => "withdraw", _ => null };
            // Partner B is removed before the walk: a former partner of every college of the first host.
            seeded.Add(new Seeded(await WalkAsync(a, state, report: state is not (State.Planning or State.Submitted), removeB: true,
                chain: state is State.Approved or State.Closed ? SecondChain : "steel-new-materials", contributions: true, invite: invitee, inviteEnd: answer),
                [a.PartnerA], answer is null ? [invitee] : []));
        }
        seeded.Add(new Seeded(await WalkAsync(other, State.Planning, removeB: true, contributions: true), [other.PartnerA], []));
        seeded.Add(new Seeded(await WalkAsync(other, State.Operating, report: true, removeB: true, chain: SecondChain, contributions: true), [other.PartnerA], []));
        var byName = seeded.ToDictionary(s => s.College.Name);

        var callers = new Dictionary<string, (string Token, string? Organization)>
        {
            ["admin"] = (Tokens.Admin(), null),
            ["host owner"] = (Host(a), a.College), ["host editor"] = (Host(a, "editor"), a.College), ["host viewer"] = (Host(a, "viewer"), a.College),
            ["partner owner"] = (Enterprise(a.PartnerA), a.PartnerA), ["partner viewer"] = (Enterprise(a.PartnerA, "viewer"), a.PartnerA),
            ["former partner"] = (Enterprise(a.PartnerB), a.PartnerB), ["stranger"] = (Enterprise(a.Outsider), a.Outsider),
            ["invitee owner"] = (Enterprise(invitee), invitee), ["invitee viewer"] = (Enterprise(invitee, "viewer"), invitee),
            ["other host"] = (Host(other), other.College), ["other host's partner"] = (Enterprise(other.PartnerA), other.PartnerA),
        };
        var filters = new List<(string Label, object Request, Func<Seeded, string?, bool> Matches)> { ("unfiltered", new { }, (_, _) => true) };
        foreach (var value in IndustrialCollege.Descriptor.EnumTypes.Single(e => e.Name == "State").Values.Where(v => v.Number != 0))
        {
            filters.Add(($"state={value.Name}", new { state = value.Name }, (s, _) => (int)s.College.State == value.Number));
        }
        foreach (var chain in new[] { "steel-new-materials", SecondChain })
        {
            filters.Add(($"industry_chain={chain}", new { industry_chain = chain }, (s, _) => s.College.IndustryChain == chain));
        }
        // An invited enterprise is no partner yet: the filter counts active partners only.
        foreach (var code in new[] { a.PartnerA, a.PartnerB, other.PartnerA, a.Outsider, invitee })
        {
            filters.Add(($"partner_credit_code={code}", new { partner_credit_code = code }, (s, _) => s.CurrentPartners.Contains(code)));
        }
        // With the development signing key (no Auth:Authority; the identity service here is asked as the directory only)
        // no organisation holds a partner grant, so "shared with me" lists nothing for any caller, admins included: this
        // pins that the filter never widens the visibility rule. What a grant adds is covered in EndToEnd.Tests' grant tests.
        filters.Add(("shared_with_me=true", new { shared_with_me = true }, (_, _) => false));
        filters.Add(("invitations_for_me=true", new { invitations_for_me = true }, (s, org) => org is not null && s.Invited.Contains(org)));
        AssertEveryMethodCovered("ListIndustrialColleges filters",
            M("ListIndustrialColleges").InputType.Fields.InDeclarationOrder().Select(f => f.Name).Where(n => n is not ("page_size" or "page_token")),
            filters.Skip(1).Select(f => f.Label.Split('=')[0]));

        var failures = await RunAllAsync(callers.Keys, async who =>
        {
            var (token, organization) = callers[who];
            var client = C(token);
            var readable = new HashSet<string>();
            var read = new Dictionary<string, string>();
            foreach (var s in seeded)
            {
                try
                {
                    read[s.College.Name] = Json(await client.CallAsync(M("GetIndustrialCollege"), new { name = s.College.Name }));
                    readable.Add(s.College.Name);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                }
            }
            foreach (var (label, filter, matches) in filters)
            {
                var items = (await client.ListAllAsync(M("ListIndustrialColleges"), Request(M("ListIndustrialColleges"), filter), pageSize: 10))
                    .Where(c => byName.ContainsKey((string)Get(c, "name")!)).ToList();
                var listed = items.Select(c => (string)Get(c, "name")!).Order().ToList();
                // A listed record is the record Get returns (a stale cache entry or a list-only mapping would differ).
                foreach (var item in items.Where(i => read.ContainsKey((string)Get(i, "name")!)))
                {
                    Assert.Equal(read[(string)Get(item, "name")!], Json(item));
                }
                var expected = seeded.Where(s => readable.Contains(s.College.Name) && matches(s, organization)).Select(s => s.College.Name).Order().ToList();
                Assert.True(expected.SequenceEqual(listed),
                    $"ListIndustrialColleges {label} as {who}: listed {Describe(listed, byName)}; Get reads {Describe(expected, byName)}");
            }
            foreach (var list in lists.Where(l => l.InputType.FindFieldByName("parent") is not null))
            {
                var item = list.OutputType.Fields.InDeclarationOrder().Single(f => f.IsRepeated).MessageType;
                var get = Service.Methods.FirstOrDefault(g => g.Name.StartsWith("Get", StringComparison.Ordinal) && g.OutputType == item);
                foreach (var s in seeded)
                {
                    var parentReadable = readable.Contains(s.College.Name);
                    var request = Request(list, new { parent = s.College.Name });
                    if (list.InputType.FindFieldByName("show_removed") is not null)
                    {
                        Set(request, "show_removed", true);
                    }
                    var (status, listed) = await TryListAsync(client, list, request);
                    Assert.True(parentReadable || status == StatusCode.NotFound,
                        $"{list.Name} of {s.College.State} college as {who}: {status}, but Get of the college is NOT_FOUND");
                    Assert.True(!parentReadable || status != StatusCode.NotFound,
                        $"{list.Name} of {s.College.State} college as {who}: NOT_FOUND, but Get of the college reads it");
                    if (get is null)
                    {
                        continue;
                    }
                    var all = (await C(Tokens.Admin()).ListAllAsync(list, request)).Select(i => (string)Get(i, "name")!).ToList();
                    var gettable = new Dictionary<string, string>();
                    foreach (var name in all)
                    {
                        if (await ReadAsync(() => client.CallAsync(get, new { name })) is { } got)
                        {
                            gettable[name] = Json(got);
                        }
                    }
                    var names = listed.Select(i => (string)Get(i, "name")!).Order().ToList();
                    Assert.True(gettable.Keys.Order().SequenceEqual(names),
                        $"{list.Name} of {s.College.State} college as {who}: listed [{string.Join(", ", names)}]; {get.Name} reads [{string.Join(", ", gettable.Keys)}]");
                    // A listed item is the item Get returns, etag and all.
                    foreach (var one in listed)
                    {
                        Assert.Equal(gettable[(string)Get(one, "name")!], Json(one));
                    }
                }
            }
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>A lifecycle request built from the contract: the college's name, and a reason where the method takes one.</summary>
    private static IMessage LifecycleRequest(string method, IndustrialCollege college)
    {
        var request = Request(M(method), new { name = college.Name });
        if (M(method).InputType.FindFieldByName("reason") is not null)
        {
            Set(request, "reason", "整改");
        }
        return request;
    }

    /// <summary>
    /// A new college of the actors' host with partners A (founding) and B (both accepted), walked to <paramref name="target"/>;
    /// with <paramref name="contributions"/>, A's course, training base and mentor and B's mentor (made before B may leave);
    /// with <paramref name="invite"/>, that enterprise invited (and, per <paramref name="inviteEnd"/>, declining or withdrawn).
    /// </summary>
    private async Task<IndustrialCollege> WalkAsync(Actors a, State target, bool report = false, bool removeB = false, string chain = "steel-new-materials",
        bool contributions = false, string? invite = null, string? inviteEnd = null)
    {
        var draft = Actors.NewCollege();
        draft.IndustryChain = chain;
        var college = await a.Host.CreateIndustrialCollegeAsync(new CreateIndustrialCollegeRequest { IndustrialCollege = draft });
        await a.AddPartnerAsync(college, a.PartnerA, Partner.Types.Role.FoundingPartner);
        var b = await a.AddPartnerAsync(college, a.PartnerB);
        if (invite is not null)
        {
            var invited = await a.InviteAsync(college, invite);
            if (inviteEnd == "decline")
            {
                await a.Enterprise(invite).DeclinePartnerAsync(new DeclinePartnerRequest { Name = invited.Name, Reason = "不参与" });
            }
            else if (inviteEnd == "withdraw")
            {
                await a.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = invited.Name });
            }
        }
        if (contributions)
        {
            await a.A.CreateCourseAsync(new CreateCourseRequest
            {
                Parent = college.Name, Course = new Course { Title = "连铸工艺", Hours = 32, MajorCodes = { "430102" } },
            });
            await a.A.CreateTrainingBaseAsync(new CreateTrainingBaseRequest
            {
                Parent = college.Name, TrainingBase = new TrainingBase { DisplayName = "实训基地", Address = "娄底经开区", Capacity = 20 },
            });
            await a.A.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });
            await a.B.CreateMentorAsync(new CreateMentorRequest { Parent = college.Name, Mentor = Actors.NewMentor() });
        }
        if (removeB)
        {
            await a.Host.RemovePartnerAsync(new RemovePartnerRequest { Name = b.Name });
        }
        if (target != State.Planning)
        {
            await a.Host.SubmitIndustrialCollegeAsync(new SubmitIndustrialCollegeRequest { Name = college.Name });
        }
        if (target is not (State.Planning or State.Submitted))
        {
            await a.Admin.ApproveIndustrialCollegeAsync(new ApproveIndustrialCollegeRequest { Name = college.Name });
            if (report)
            {
                await a.Host.CreateReportAsync(new CreateReportRequest { Parent = college.Name, Report = Actors.NewReport(2024) });
            }
        }
        if (target is State.Operating or State.UnderReview or State.Closed)
        {
            await a.Host.OpenIndustrialCollegeAsync(new OpenIndustrialCollegeRequest { Name = college.Name });
        }
        if (target == State.UnderReview)
        {
            await a.Admin.StartIndustrialCollegeReviewAsync(new StartIndustrialCollegeReviewRequest { Name = college.Name, Reason = "整改" });
        }
        if (target == State.Closed)
        {
            await a.Admin.CloseIndustrialCollegeAsync(new CloseIndustrialCollegeRequest { Name = college.Name });
        }
        var walked = await a.Admin.GetIndustrialCollegeAsync(new GetIndustrialCollegeRequest { Name = college.Name });
        Assert.Equal(target, walked.State);
        return walked;
    }

    /// <summary>Everything a write could change under a college, as the admin reads it: the college and every child list.</summary>
    private async Task<string> SnapshotAsync(string college)
    {
        var admin = C(Tokens.Admin());
        var parts = new List<string> { Json(await admin.CallAsync(M("GetIndustrialCollege"), new { name = college })) };
        foreach (var list in Service.Methods.Where(m => m.Name.StartsWith("List", StringComparison.Ordinal) && m.InputType.FindFieldByName("parent") is not null))
        {
            var request = Request(list, new { parent = college });
            if (list.InputType.FindFieldByName("show_removed") is not null)
            {
                Set(request, "show_removed", true);
            }
            parts.Add(list.Name);
            parts.AddRange((await admin.ListAllAsync(list, request)).Select(Json));
        }
        return string.Join("\n", parts);
    }

    private static async Task<(StatusCode Status, List<IMessage> Items)> TryListAsync(ContractClient client, MethodDescriptor list, IMessage request)
    {
        try
        {
            return (StatusCode.OK, await client.ListAllAsync(list, request));
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, []);
        }
    }

    /// <summary>What the call reads, or null when it is NOT_FOUND.</summary>
    private static async Task<IMessage?> ReadAsync(Func<Task<IMessage>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    private static string Describe(IEnumerable<string> names, Dictionary<string, Seeded> byName) =>
        "[" + string.Join(", ", names.Select(n => $"{byName[n].College.State} {byName[n].College.IndustryChain}")) + "]";

    /// <summary>Runs every scenario (in parallel) and returns one line per failing one, naming it.</summary>
    internal static async Task<List<string>> RunAllAsync(IEnumerable<string> names, Func<string, Task> run)
    {
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(names.Select(async name =>
        {
            try
            {
                await run(name);
            }
            catch (Exception ex)
            {
                failures.Add($"{name}: {ex.Message}");
            }
        }));
        return failures.Order(StringComparer.Ordinal).ToList();
    }
}
