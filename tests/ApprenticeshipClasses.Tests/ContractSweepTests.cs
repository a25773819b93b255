using Collaboration.Apprenticeships.V1;
using Collaboration.TestSupport;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using static Collaboration.TestSupport.ContractSweepCc;
using EnrolmentState = Collaboration.Apprenticeships.V1.Enrolment.Types.State;
using Kind = Collaboration.Apprenticeships.V1.Cohort.Types.Kind;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Tests;

/// <summary>
/// The shared write and read rules held over every method the contract gives them: a request_id reused by another
/// caller, a stale etag, and list visibility against get visibility, per caller, across states and organisations.
/// Methods come from the service descriptor and every request is built from it (by method name and proto JSON),
/// so a new method fails here until it has a scenario, and a renamed request message changes nothing here.
/// </summary>
public sealed class ContractSweepTests(CohortsFixture fixture)
{
    private static readonly ServiceDescriptor Service = CohortService.Descriptor;

    private static MethodDescriptor M(string name) => Service.FindMethodByName(name) ?? throw new ArgumentException($"no method {name}");

    private ContractClient C(string token) => fixture.Service.Client<ContractClient>(token);

    private async Task<T> Do<T>(string token, string method, object fields) where T : IMessage => (T)await C(token).CallAsync(M(method), fields);

    private static string College(Actors a, string role = "owner") => Tokens.For(a.College, "vocational_college", role);
    private static string Enterprise(string code, string role = "owner") => Tokens.For(code, "enterprise", role);
    private static string Admin => Tokens.Admin();
    private static string Admin2 => Tokens.Admin("second-admin@city");

    // ---------------------------------------------------------------- scenarios

    /// <summary>
    /// A write that succeeds when <see cref="Caller"/> sends <see cref="Request"/>; <see cref="Etag"/> is the current etag of the
    /// resource it acts on, <see cref="Others"/> the callers who replay its request_id, <see cref="Cohort"/> the cohort it changes.
    /// </summary>
    private sealed record Scenario(string Caller, string[] Others, IMessage Request, string Etag, string Cohort, RosterRow[]? Rows = null);

    private Scenario OnCohort(string method, string caller, string[] others, Cohort cohort)
    {
        var request = Request(M(method), new { name = cohort.Name });
        return new Scenario(caller, others, request, cohort.Etag, cohort.Name);
    }

    private Dictionary<string, Func<Actors, Task<Scenario>>> Scenarios() => new()
    {
        ["CreateCohort"] = a =>
        {
            var request = Request(M("CreateCohort"), new { });
            Set(request, "cohort", a.NewCohort());
            return Task.FromResult(new Scenario(College(a), [College(a, "editor"), Enterprise(a.Sponsor)], request, "", ""));
        },
        ["UpdateCohort"] = async a =>
        {
            var cohort = await CohortAtAsync(a, State.Draft);
            var request = Request(M("UpdateCohort"), new { cohort = new { name = cohort.Name, display_name = "Renamed order class" }, update_mask = "displayName" });
            return new Scenario(College(a), [], request, cohort.Etag, cohort.Name);
        },
        ["SubmitCohort"] = async a => OnCohort("SubmitCohort", College(a), [College(a, "editor"), Enterprise(a.Sponsor)], await CohortAtAsync(a, State.Draft)),
        ["ConfirmCohort"] = async a => OnCohort("ConfirmCohort", Enterprise(a.Sponsor), [Enterprise(a.Sponsor, "editor"), Enterprise(a.Sponsor2)],
            await CohortAtAsync(a, State.AwaitingEnterprise, twoSponsors: true)),
        ["ApproveCohort"] = async a => OnCohort("ApproveCohort", Admin, [Admin2, College(a)], await CohortAtAsync(a, State.Agreed)),
        ["OpenCohortRecruitment"] = async a => OnCohort("OpenCohortRecruitment", College(a), [College(a, "editor"), Enterprise(a.Sponsor)], await CohortAtAsync(a, State.Approved)),
        ["StartCohortTraining"] = async a => OnCohort("StartCohortTraining", College(a), [College(a, "editor"), Enterprise(a.Sponsor)], await CohortAtAsync(a, State.Recruiting)),
        ["GraduateCohort"] = async a => OnCohort("GraduateCohort", College(a), [College(a, "editor"), Enterprise(a.Sponsor)], await CohortAtAsync(a, State.InTraining)),
        ["CloseCohort"] = async a => OnCohort("CloseCohort", College(a), [College(a, "editor"), Admin], await CohortAtAsync(a, State.Graduated)),
        ["CancelCohort"] = async a => OnCohort("CancelCohort", College(a), [Enterprise(a.Sponsor), Admin], await CohortAtAsync(a, State.Draft)),
        ["CreateEnrolment"] = async a =>
        {
            var cohort = await CohortAtAsync(a, State.Recruiting);
            var request = Request(M("CreateEnrolment"), new { parent = cohort.Name, enrolment = NewEnrolment() });
            return new Scenario(College(a), [College(a, "editor"), Enterprise(a.Outsider)], request, "", cohort.Name);
        },
        ["UpdateEnrolment"] = async a =>
        {
            var (cohort, enrolment) = await EnrolmentAtAsync(a, EnrolmentState.Live);
            var request = Request(M("UpdateEnrolment"), new { enrolment = new { name = enrolment.Name, college_mentor = "Teacher Li" }, update_mask = "collegeMentor" });
            return new Scenario(College(a), [], request, enrolment.Etag, cohort.Name);
        },
        ["ImportEnrolments"] = async a =>
        {
            var cohort = await CohortAtAsync(a, State.Recruiting);
            var header = new ImportEnrolmentsRequest { Header = new() { Parent = cohort.Name } };
            return new Scenario(College(a), [College(a, "editor"), Enterprise(a.Sponsor)], header, "", cohort.Name,
                [Actors.Row(StudentNumber()), Actors.Row(StudentNumber())]);
        },
        ["StartEnrolment"] = a => OnEnrolmentAsync(a, "StartEnrolment", EnrolmentState.WaitingToStart),
        ["PauseEnrolment"] = a => OnEnrolmentAsync(a, "PauseEnrolment", EnrolmentState.Live),
        ["ResumeEnrolment"] = a => OnEnrolmentAsync(a, "ResumeEnrolment", EnrolmentState.Paused),
        ["WithdrawEnrolment"] = a => OnEnrolmentAsync(a, "WithdrawEnrolment", EnrolmentState.Live),
        ["CompleteEnrolment"] = a => OnEnrolmentAsync(a, "CompleteEnrolment", EnrolmentState.Live),
        // A declined placement, so the new offer has an etag to check.
        ["OfferPlacement"] = a => OnPlacementAsync(a, "OfferPlacement", ["DeclinePlacement"], new { }),
        ["AcceptPlacement"] = a => OnPlacementAsync(a, "AcceptPlacement", [], new { }),
        ["DeclinePlacement"] = a => OnPlacementAsync(a, "DeclinePlacement", [], new { }),
        ["RecordEmployment"] = a => OnPlacementAsync(a, "RecordEmployment", ["AcceptPlacement"], Employment(a)),
        ["RecordRetentionCheck"] = a => OnPlacementAsync(a, "RecordRetentionCheck", ["AcceptPlacement", "RecordEmployment"],
            new { month = 6, still_employed = true, same_employer = true }),
        ["CreateSponsorChange"] = async a =>
        {
            var (cohort, enrolment) = await EnrolmentAtAsync(a, EnrolmentState.Live, twoSponsors: true);
            var request = Request(M("CreateSponsorChange"), new { parent = enrolment.Name, sponsor_change = new { to_sponsor_credit_code = a.Sponsor2, reason = "relocation" } });
            return new Scenario(College(a), [College(a, "editor"), Enterprise(a.Sponsor2)], request, "", cohort.Name);
        },
        ["ApproveSponsorChange"] = a => OnSponsorChangeAsync(a, "ApproveSponsorChange", receiving: true),
        ["RejectSponsorChange"] = a => OnSponsorChangeAsync(a, "RejectSponsorChange", receiving: true),
        ["WithdrawSponsorChange"] = a => OnSponsorChangeAsync(a, "WithdrawSponsorChange", receiving: false),
        ["AddSponsor"] = async a =>
        {
            var cohort = await CohortAtAsync(a, State.Draft);
            var request = Request(M("AddSponsor"), new { name = cohort.Name, organization = new { credit_code = a.Outsider, name = "Test Castings Co." } });
            return new Scenario(College(a), [College(a, "editor"), Enterprise(a.Sponsor)], request, cohort.Etag, cohort.Name);
        },
        ["EndSponsor"] = async a =>
        {
            var cohort = await CohortAtAsync(a, State.Draft, twoSponsors: true);
            var request = Request(M("EndSponsor"), new { name = cohort.Name, sponsor_credit_code = a.Sponsor2, reason = "withdrew from the order class" });
            return new Scenario(College(a), [College(a, "editor"), Enterprise(a.Sponsor)], request, cohort.Etag, cohort.Name);
        },
    };

    private async Task<Scenario> OnEnrolmentAsync(Actors a, string method, EnrolmentState from)
    {
        var (cohort, enrolment) = await EnrolmentAtAsync(a, from);
        return new Scenario(College(a), [College(a, "editor"), Enterprise(a.Sponsor)], Request(M(method), new { name = enrolment.Name }), enrolment.Etag, cohort.Name);
    }

    /// <summary>A completed learner's placement offered by the sponsor, then moved by <paramref name="before"/>.</summary>
    private async Task<Scenario> OnPlacementAsync(Actors a, string method, string[] before, object fields)
    {
        var (cohort, enrolment) = await EnrolmentAtAsync(a, EnrolmentState.Completed, twoSponsors: true);
        var name = $"{enrolment.Name}/placement";
        var sponsor = Enterprise(a.Sponsor);
        var placement = await Do<Placement>(sponsor, "OfferPlacement", new { name });
        foreach (var step in before)
        {
            var request = Request(M(step), step == "RecordEmployment" ? Employment(a) : new { });
            Set(request, "name", name);
            placement = (Placement)await C(sponsor).CallAsync(M(step), request);
        }
        var act = Request(M(method), fields);
        Set(act, "name", name);
        return new Scenario(sponsor, [Enterprise(a.Sponsor, "editor"), Enterprise(a.Sponsor2)], act, placement.Etag, cohort.Name);
    }

    private static object Employment(Actors a) => new
    {
        employer = new { credit_code = a.Sponsor, name = "Test Hydraulics Co." }, start_date = new { year = 2027, month = 7, day = 1 },
    };

    private async Task<Scenario> OnSponsorChangeAsync(Actors a, string method, bool receiving)
    {
        var (cohort, enrolment) = await EnrolmentAtAsync(a, EnrolmentState.Live, twoSponsors: true);
        var change = await Do<SponsorChange>(College(a), "CreateSponsorChange",
            new { parent = enrolment.Name, sponsor_change = new { to_sponsor_credit_code = a.Sponsor2, reason = "relocation" } });
        var caller = receiving ? Enterprise(a.Sponsor2) : College(a);
        string[] others = receiving ? [Enterprise(a.Sponsor2, "editor"), Enterprise(a.Sponsor)] : [College(a, "editor"), Enterprise(a.Sponsor2)];
        return new Scenario(caller, others, Request(M(method), new { name = change.Name }), change.Etag, cohort.Name);
    }

    // ---------------------------------------------------------------- request_id

    [Fact]
    public async Task RequestId_ReusedByAnotherCaller_IsRefusedNamingRequestId_AndChangesNothing()
    {
        var paths = MethodsWithField(Service, "request_id");
        var scenarios = Scenarios();
        AssertEveryMethodCovered("request_id reused by another caller", paths.Keys, scenarios.Keys.Where(paths.ContainsKey));
        Assert.True(paths.Keys.All(scenarios.ContainsKey), "request_id: " + string.Join(", ", paths.Keys.Where(k => !scenarios.ContainsKey(k))));

        var failures = await RunAllAsync(paths.Keys, async method =>
        {
            var scenario = await scenarios[method](new Actors(fixture));
            Set(scenario.Request, paths[method], Guid.NewGuid().ToString());
            var first = await CallAsync(scenario.Caller, method, scenario);
            var cohort = scenario.Cohort.Length > 0 ? scenario.Cohort : (string)Get(first, "name")!;
            var before = await SnapshotAsync(cohort);
            foreach (var other in scenario.Others)
            {
                await AssertFieldRefused("request_id", () => CallAsync(other, method, scenario), $"{method} replayed by another caller");
            }
            Assert.Equal(before, await SnapshotAsync(cohort));
            Assert.Equal(first, await CallAsync(scenario.Caller, method, scenario));
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task CreateCohort_RequestIdReusedByAnotherCaller_CreatesNoSecondCohort()
    {
        var a = new Actors(fixture);
        var cohort = a.NewCohort();
        var request = Request(M("CreateCohort"), new { request_id = Guid.NewGuid().ToString() });
        Set(request, "cohort", cohort);
        await C(College(a)).CallAsync(M("CreateCohort"), request);
        await AssertFieldRefused("request_id", () => C(Enterprise(a.Sponsor)).CallAsync(M("CreateCohort"), request), "CreateCohort replayed by the sponsor");
        await using var connection = fixture.Connect();
        await connection.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM cohorts WHERE display_name = @n", connection);
        count.Parameters.AddWithValue("n", cohort.DisplayName);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    // ---------------------------------------------------------------- etag

    [Fact]
    public async Task Etag_Stale_IsAborted_AndChangesNothing()
    {
        var paths = MethodsWithField(Service, "etag");
        var scenarios = Scenarios();
        Assert.True(paths.Keys.All(scenarios.ContainsKey), "stale etag: no scenario for " + string.Join(", ", paths.Keys.Where(k => !scenarios.ContainsKey(k))));

        var failures = await RunAllAsync(paths.Keys, async method =>
        {
            var scenario = await scenarios[method](new Actors(fixture));
            Assert.False(string.IsNullOrEmpty(scenario.Etag), $"{method}: the scenario names no current etag");
            var before = await SnapshotAsync(scenario.Cohort);
            Set(scenario.Request, paths[method], (long.Parse(scenario.Etag, System.Globalization.CultureInfo.InvariantCulture) - 1)
                .ToString(System.Globalization.CultureInfo.InvariantCulture));
            await GrpcAssert.Status(StatusCode.Aborted, () => CallAsync(scenario.Caller, method, scenario));
            Assert.Equal(before, await SnapshotAsync(scenario.Cohort));
            // The same request with the current etag succeeds: the refusal was the etag's.
            Set(scenario.Request, paths[method], scenario.Etag);
            await CallAsync(scenario.Caller, method, scenario);
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // ---------------------------------------------------------------- list visibility

    [Fact]
    public async Task Lists_ShowEachCallerExactlyWhatGetLetsItRead()
    {
        // Child lists are walked under their parents; the parent's Get decides whether the list is NOT_FOUND.
        var parents = new Dictionary<string, string> { ["ListEnrolments"] = "GetCohort", ["ListAuditEntries"] = "GetCohort", ["ListSponsorChanges"] = "GetEnrolment" };
        var lists = Service.Methods.Where(m => m.Name.StartsWith("List", StringComparison.Ordinal)).ToList();
        AssertEveryMethodCovered("list visibility", lists.Select(m => m.Name), ["ListCohorts", .. parents.Keys]);

        var a = new Actors(fixture);
        var other = new Actors(fixture);
        var cohorts = new List<Cohort>();
        var kinds = new[] { Kind.OrderClass, Kind.Apprenticeship };
        var states = new[] { State.Draft, State.AwaitingEnterprise, State.AwaitingCollege, State.Agreed, State.Approved, State.Recruiting, State.InTraining,
            State.Graduated, State.Closed, State.Cancelled };
        for (var i = 0; i < states.Length; i++)
        {
            cohorts.Add(await CohortAtAsync(a, states[i], twoSponsors: i % 3 == 0 || states[i] == State.Recruiting, kind: kinds[i % 2],
                chain: i % 2 == 0 ? "advanced-equipment" : "steel-new-materials", endYear: i % 4 == 0 ? 2028 : 2027));
        }
        cohorts.Add(await CohortAtAsync(other, State.Draft));
        cohorts.Add(await CohortAtAsync(other, State.Recruiting));
        // Enrolments in every state, in a running cohort of each college, and a pending change of sponsor.
        var running = cohorts.Single(c => c.State == State.Recruiting && c.College.CreditCode == a.College);
        var enrolments = new List<Enrolment>();
        foreach (var state in new[] { EnrolmentState.WaitingToStart, EnrolmentState.Live, EnrolmentState.Paused, EnrolmentState.Withdrawn, EnrolmentState.Completed })
        {
            enrolments.Add(await EnrolIn(a, running, state));
        }
        enrolments.Add(await EnrolIn(other, cohorts[^1], EnrolmentState.Live));
        await Do<SponsorChange>(College(a), "CreateSponsorChange",
            new { parent = enrolments[1].Name, sponsor_change = new { to_sponsor_credit_code = a.Sponsor2, reason = "relocation" } });
        cohorts = [.. await Task.WhenAll(cohorts.Select(c => Do<Cohort>(Admin, "GetCohort", new { name = c.Name })))];
        var byName = cohorts.ToDictionary(c => c.Name);

        var callers = new Dictionary<string, string>
        {
            ["admin"] = Admin,
            ["college owner"] = College(a), ["college editor"] = College(a, "editor"), ["college viewer"] = College(a, "viewer"),
            ["sponsor owner"] = Enterprise(a.Sponsor), ["sponsor viewer"] = Enterprise(a.Sponsor, "viewer"),
            ["second sponsor"] = Enterprise(a.Sponsor2, "editor"), ["stranger"] = Enterprise(a.Outsider),
            ["other college"] = College(other), ["other college's sponsor"] = Enterprise(other.Sponsor),
        };
        var filters = new List<(string Label, object Request, Func<Cohort, bool> Matches)> { ("unfiltered", new { }, _ => true) };
        foreach (var value in Cohort.Descriptor.EnumTypes.Single(e => e.Name == "State").Values.Where(v => v.Number != 0))
        {
            filters.Add(($"state={value.Name}", new { state = value.Name }, c => (int)c.State == value.Number));
        }
        foreach (var value in Cohort.Descriptor.EnumTypes.Single(e => e.Name == "Kind").Values.Where(v => v.Number != 0))
        {
            filters.Add(($"kind={value.Name}", new { kind = value.Name }, c => (int)c.Kind == value.Number));
        }
        foreach (var code in new[] { a.College, other.College })
        {
            filters.Add(($"college_credit_code={code}", new { college_credit_code = code }, c => c.College.CreditCode == code));
        }
        foreach (var code in new[] { a.Sponsor, a.Sponsor2, other.Sponsor, a.Outsider })
        {
            filters.Add(($"sponsor_credit_code={code}", new { sponsor_credit_code = code }, c => c.Sponsors.Any(s => s.Organization.CreditCode == code)));
        }
        foreach (var chain in new[] { "advanced-equipment", "steel-new-materials" })
        {
            filters.Add(($"industry_chain={chain}", new { industry_chain = chain }, c => c.IndustryChain == chain));
        }
        foreach (var year in new[] { 2027, 2028 })
        {
            filters.Add(($"end_year={year}", new { end_year = year }, c => c.EndDate.Year == year));
        }
        // Without an identity service (the development key) no organisation holds a partner grant, so "shared with me"
        // lists nothing for any caller, admins included: this pins that the filter never widens the visibility rule.
        // What a grant adds is covered with the real identity service in EndToEnd.Tests' grant tests.
        filters.Add(("shared_with_me=true", new { shared_with_me = true }, _ => false));
        AssertEveryMethodCovered("ListCohorts filters",
            M("ListCohorts").InputType.Fields.InDeclarationOrder().Select(f => f.Name).Where(n => n is not ("page_size" or "page_token")),
            filters.Skip(1).Select(f => f.Label.Split('=')[0]).Distinct());
        var enrolmentStates = Enrolment.Descriptor.EnumTypes.Single(e => e.Name == "State").Values.ToList();

        var failures = await RunAllAsync(callers.Keys, async who =>
        {
            var client = C(callers[who]);
            var readable = new HashSet<string>();
            var read = new Dictionary<string, string>();
            foreach (var c in cohorts)
            {
                try
                {
                    read[c.Name] = Json(await client.CallAsync(M("GetCohort"), new { name = c.Name }));
                    readable.Add(c.Name);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                }
            }
            foreach (var (label, filter, matches) in filters)
            {
                var items = (await client.ListAllAsync(M("ListCohorts"), Request(M("ListCohorts"), filter), pageSize: 10))
                    .Where(c => byName.ContainsKey((string)Get(c, "name")!)).ToList();
                var listed = items.Select(c => (string)Get(c, "name")!).Order().ToList();
                // A listed record is the record Get returns (a stale cache entry or a list-only mapping would differ).
                foreach (var item in items.Where(i => read.ContainsKey((string)Get(i, "name")!)))
                {
                    Assert.Equal(read[(string)Get(item, "name")!], Json(item));
                }
                var expected = cohorts.Where(c => readable.Contains(c.Name) && matches(c)).Select(c => c.Name).Order().ToList();
                Assert.True(expected.SequenceEqual(listed), $"ListCohorts {label} as {who}: listed {Describe(listed, byName)}; GetCohort reads {Describe(expected, byName)}");
            }

            foreach (var (listName, parentGet) in parents)
            {
                var list = M(listName);
                var item = list.OutputType.Fields.InDeclarationOrder().Single(f => f.IsRepeated).MessageType;
                var get = Service.Methods.FirstOrDefault(g => g.Name.StartsWith("Get", StringComparison.Ordinal) && g.OutputType == item);
                var filterField = list.InputType.FindFieldByName("state");
                foreach (var parent in parentGet == "GetCohort" ? cohorts.Select(c => c.Name) : enrolments.Select(e => e.Name))
                {
                    var parentReadable = await SucceedsAsync(() => client.CallAsync(M(parentGet), new { name = parent }));
                    IEnumerable<EnumValueDescriptor?> stateValues = filterField is null ? [null] : enrolmentStates;
                    foreach (var state in stateValues)
                    {
                        var request = state is null ? Request(list, new { parent }) : Request(list, new { parent, state = state.Name });
                        var (status, listed) = await TryListAsync(client, list, request);
                        var at = $"{listName} of {parent}{(state is null ? "" : $" state={state.Name}")} as {who}";
                        Assert.True(parentReadable || status == StatusCode.NotFound, $"{at}: {status}, but {parentGet} of the parent is NOT_FOUND");
                        Assert.True(!parentReadable || status != StatusCode.NotFound, $"{at}: NOT_FOUND, but {parentGet} of the parent reads it");
                        if (get is null)
                        {
                            continue;
                        }
                        // What the filter should keep is decided on the admin's unfiltered list, not by the filter under test.
                        var all = (await C(Admin).ListAllAsync(list, Request(list, new { parent })))
                            .Where(i => state is null || state.Number == 0 || Convert.ToInt32(Get(i, "state"), System.Globalization.CultureInfo.InvariantCulture) == state.Number);
                        var gettable = new List<string>();
                        foreach (var name in all.Select(i => (string)Get(i, "name")!))
                        {
                            if (await SucceedsAsync(() => client.CallAsync(get, new { name })))
                            {
                                gettable.Add(name);
                            }
                        }
                        var names = listed.Select(i => (string)Get(i, "name")!).Order().ToList();
                        Assert.True(gettable.Order().SequenceEqual(names), $"{at}: listed [{string.Join(", ", names)}]; {get.Name} reads [{string.Join(", ", gettable)}]");
                    }
                }
            }
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>A new cohort of the actors' college (sponsor, and sponsor 2 when asked), walked to <paramref name="target"/> through the API.</summary>
    private async Task<Cohort> CohortAtAsync(Actors a, State target, bool twoSponsors = false, Kind kind = Kind.OrderClass,
        string chain = "advanced-equipment", int endYear = 2027)
    {
        var draft = a.NewCohort(twoSponsors, chain);
        draft.Kind = kind;
        draft.EndDate.Year = endYear;
        var create = Request(M("CreateCohort"), new { });
        Set(create, "cohort", draft);
        var cohort = (Cohort)await C(College(a)).CallAsync(M("CreateCohort"), create);
        var name = new { name = cohort.Name };
        var college = College(a);
        IEnumerable<(string Token, string Method)> path = target switch
        {
            State.Draft => [],
            State.AwaitingCollege => [(Enterprise(a.Sponsor), "SubmitCohort")],
            State.Cancelled => [(college, "CancelCohort")],
            _ => new (string Token, string Method)[]
            {
                (college, "SubmitCohort"), (Enterprise(a.Sponsor), "ConfirmCohort"), (Admin, "ApproveCohort"), (college, "OpenCohortRecruitment"),
                (college, "StartCohortTraining"), (college, "GraduateCohort"), (college, "CloseCohort"),
            }.Take(Array.IndexOf([State.AwaitingEnterprise, State.Agreed, State.Approved, State.Recruiting, State.InTraining, State.Graduated, State.Closed], target) + 1),
        };
        foreach (var (token, method) in path)
        {
            cohort = await Do<Cohort>(token, method, name);
        }
        Assert.Equal(target, cohort.State);
        return cohort;
    }

    private static object NewEnrolment() => new { student_number = StudentNumber(), display_name = "Learner Test", identity_number = Identities.New() };

    private static string StudentNumber() => $"S-{Guid.NewGuid():N}"[..20];

    /// <summary>A learner in a recruiting cohort of the actors' college, walked to <paramref name="target"/>.</summary>
    private async Task<(Cohort Cohort, Enrolment Enrolment)> EnrolmentAtAsync(Actors a, EnrolmentState target, bool twoSponsors = false)
    {
        var cohort = await CohortAtAsync(a, State.Recruiting, twoSponsors);
        var enrolment = await EnrolIn(a, cohort, target);
        return (await Do<Cohort>(Admin, "GetCohort", new { name = cohort.Name }), enrolment);
    }

    private async Task<Enrolment> EnrolIn(Actors a, Cohort cohort, EnrolmentState target)
    {
        var college = College(a);
        var enrolment = await Do<Enrolment>(college, "CreateEnrolment", new { parent = cohort.Name, enrolment = NewEnrolment() });
        var name = new { name = enrolment.Name };
        string[] path = target switch
        {
            EnrolmentState.WaitingToStart => [],
            EnrolmentState.Withdrawn => ["WithdrawEnrolment"],
            EnrolmentState.Live => ["StartEnrolment"],
            EnrolmentState.Paused => ["StartEnrolment", "PauseEnrolment"],
            _ => new[] { "StartEnrolment", "CompleteEnrolment" },
        };
        foreach (var method in path)
        {
            enrolment = await Do<Enrolment>(college, method, name);
        }
        Assert.Equal(target, enrolment.State);
        return enrolment;
    }

    private async Task<IMessage> CallAsync(string token, string method, Scenario scenario)
    {
        if (!M(method).IsClientStreaming)
        {
            return await C(token).CallAsync(M(method), scenario.Request);
        }
        var header = ((ImportEnrolmentsRequest)scenario.Request).Header;
        return await Actors.ImportAsync(fixture.Service.Client<CohortService.CohortServiceClient>(token), header.Parent, scenario.Rows!, header.RequestId);
    }

    /// <summary>Everything a write could change in a cohort, as the admin reads it: the cohort, its learners, their placements and changes of sponsor, the audit.</summary>
    private async Task<string> SnapshotAsync(string cohort)
    {
        var admin = C(Admin);
        var parts = new List<string> { Json(await admin.CallAsync(M("GetCohort"), new { name = cohort })) };
        var enrolments = await admin.ListAllAsync(M("ListEnrolments"), Request(M("ListEnrolments"), new { parent = cohort }));
        foreach (var enrolment in enrolments)
        {
            var name = (string)Get(enrolment, "name")!;
            parts.Add(Json(enrolment));
            try
            {
                parts.Add(Json(await admin.CallAsync(M("GetPlacement"), new { name = $"{name}/placement" })));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                parts.Add("no placement");
            }
            parts.AddRange((await admin.ListAllAsync(M("ListSponsorChanges"), Request(M("ListSponsorChanges"), new { parent = name }))).Select(Json));
        }
        parts.AddRange((await admin.ListAllAsync(M("ListAuditEntries"), Request(M("ListAuditEntries"), new { parent = cohort }))).Select(Json));
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

    private static async Task<bool> SucceedsAsync(Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return false;
        }
    }

    private static string Describe(IEnumerable<string> names, Dictionary<string, Cohort> byName) =>
        "[" + string.Join(", ", names.Select(n => $"{byName[n].State} {byName[n].Kind} {byName[n].College.CreditCode}")) + "]";

    private static async Task<List<string>> RunAllAsync(IEnumerable<string> names, Func<string, Task> run)
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
