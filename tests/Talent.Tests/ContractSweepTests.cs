using Collaboration.Talent.V1;
using Collaboration.TestSupport;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using State = Collaboration.Talent.V1.Declaration.Types.State;

namespace Collaboration.Talent.Tests;

/// <summary>
/// The shared write and read rules held for every method of the declarations contract: the methods come from the
/// service descriptor, and a method the rule applies to without a scenario here fails the sweep by name.
/// </summary>
public sealed class ContractSweepTests(TalentFixture fixture)
{
    private static readonly ServiceDescriptor Contract = DeclarationService.Descriptor;

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
        var first = new Actors(fixture);
        var second = new Actors(fixture);
        var chains = new[] { TestChains.New(), TestChains.New() };
        var declarations = new List<Declaration>();
        foreach (var (actors, index) in new[] { (first, 0), (second, 1) })
        {
            var chain = chains[index];
            var occupation = index == 0 ? "6-18-01-01" : "6-17-02-02";
            declarations.Add(await actors.DraftAsync(2030, chain, occupation));
            declarations.Add(await actors.SubmittedAsync(2031, chain, occupation));
            declarations.Add(await actors.AcceptedAsync(2030, chain, occupation));
            var returned = await actors.SubmittedAsync(2031, chain, occupation);
            declarations.Add(await actors.Admin.ReturnDeclarationAsync(new ReturnDeclarationRequest { Name = returned.Name, Reason = "补充。" }));
            var accepted = await actors.AcceptedAsync(2030, chain, occupation);
            var correction = await actors.Owner.ReviseDeclarationAsync(new ReviseDeclarationRequest { Name = accepted.Name });
            declarations.Add(await actors.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = correction.Name }));
            declarations.Add(accepted);
        }
        var admin = first.Admin;
        var seeded = new List<Declaration>();
        foreach (var d in declarations)
        {
            seeded.Add(await admin.GetDeclarationAsync(new GetDeclarationRequest { Name = d.Name }));
        }
        var codes = new[] { first.Enterprise, second.Enterprise };

        var filters = new Dictionary<string, IReadOnlyList<(object Value, Func<Declaration, bool> Matches)>>
        {
            ["state"] = [.. System.Enum.GetValues<State>().Where(s => s != State.Unspecified).Select(s => ((object)s, (Func<Declaration, bool>)(d => d.State == s)))],
            ["year"] = [.. new[] { 2030, 2031 }.Select(y => ((object)y, (Func<Declaration, bool>)(d => d.Year == y && d.State != State.Superseded)))],
            ["industry_chain"] = [.. chains.Select(c => ((object)c, (Func<Declaration, bool>)(d => d.IndustryChain == c && d.State != State.Superseded)))],
            ["occupation_code"] = [.. new[] { "6-18-01-01", "6-17-02-02" }.Select(o => ((object)o, (Func<Declaration, bool>)(d => d.OccupationCode == o && d.State != State.Superseded)))],
            ["enterprise_credit_code"] = [.. codes.Select(c => ((object)c, (Func<Declaration, bool>)(d => d.Enterprise.CreditCode == c && d.State != State.Superseded)))],
            ["include_superseded"] = [(true, _ => true), (false, d => d.State != State.Superseded)],
        };
        var list = Contract.FindMethodByName(nameof(DeclarationService.DeclarationServiceClient.ListDeclarations));
        ContractSweep.AssertCovered("ListDeclarations filters", ContractSweep.Filters(list.InputType), filters.Keys);
        var audit = Contract.FindMethodByName(nameof(DeclarationService.DeclarationServiceClient.ListDeclarationAuditEntries));
        ContractSweep.AssertCovered("List methods", ContractSweep.ListMethods(Contract).Select(m => m.Name), [list.Name, audit.Name]);
        var get = Contract.FindMethodByName(nameof(DeclarationService.DeclarationServiceClient.GetDeclaration));

        var service = fixture.Service;
        var callers = new Dictionary<string, DynamicClient>
        {
            ["city admin"] = service.Client<DynamicClient>(Tokens.Admin()),
            ["first owner"] = service.Client<DynamicClient>(Tokens.For(first.Enterprise, "enterprise")),
            ["first viewer"] = service.Client<DynamicClient>(Tokens.For(first.Enterprise, "enterprise", "viewer")),
            ["second owner"] = service.Client<DynamicClient>(Tokens.For(second.Enterprise, "enterprise")),
            ["a college"] = service.Client<DynamicClient>(Tokens.For(first.College, "vocational_college")),
        };
        var adminAudit = new Dictionary<string, string>();
        foreach (var d in seeded)
        {
            adminAudit[d.Name] = ContractSweep.Text(await ContractSweep.AllPagesAsync(callers["city admin"], audit, new ListDeclarationAuditEntriesRequest { Parent = d.Name }, pageSize: 2));
        }

        await ContractSweep.AllAsync("list visibility", callers.Select(caller => (caller.Key, (Func<Task>)(async () =>
        {
            var client = caller.Value;
            var readable = new Dictionary<string, IMessage>();
            foreach (var d in seeded)
            {
                try
                {
                    readable[d.Name] = await client.CallAsync(get, new GetDeclarationRequest { Name = d.Name });
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                }
            }
            await AssertListMatchesAsync(client, list, new ListDeclarationsRequest(), "unfiltered", readable, seeded, d => d.State != State.Superseded);
            foreach (var (field, values) in filters)
            {
                foreach (var (value, matches) in values)
                {
                    await AssertListMatchesAsync(client, list, ContractSweep.With(new ListDeclarationsRequest(), field, value), $"{field}={value}", readable, seeded, matches);
                }
            }
            foreach (var d in seeded)
            {
                var request = new ListDeclarationAuditEntriesRequest { Parent = d.Name };
                if (!readable.ContainsKey(d.Name))
                {
                    Assert.False(await client.SucceedsAsync(audit, request), $"ListDeclarationAuditEntries {d.Name} answered although GetDeclaration is NOT_FOUND");
                }
                else
                {
                    Assert.True(adminAudit[d.Name] == ContractSweep.Text(await ContractSweep.AllPagesAsync(client, audit, request, pageSize: 2)),
                        $"ListDeclarationAuditEntries {d.Name} shows other entries than the admin sees");
                }
            }
        }))));
    }

    private static async Task AssertListMatchesAsync(DynamicClient client, MethodDescriptor list, IMessage request, string what,
        Dictionary<string, IMessage> readable, IReadOnlyList<Declaration> seeded, Func<Declaration, bool> matches)
    {
        var ours = seeded.Select(d => d.Name).ToHashSet();
        var listed = (await ContractSweep.AllPagesAsync(client, list, request, pageSize: 100))
            .Where(m => ours.Contains(ContractSweep.NameOf(m))).ToDictionary(ContractSweep.NameOf);
        var expected = seeded.Where(d => matches(d) && readable.ContainsKey(d.Name)).Select(d => d.Name).ToHashSet();
        var shownNotReadable = listed.Keys.Except(expected).Order().ToList();
        var readableNotShown = expected.Except(listed.Keys).Order().ToList();
        Assert.True(shownNotReadable.Count == 0 && readableNotShown.Count == 0,
            $"{list.Name} {what}: listed but not for Get (or not matching) [{string.Join(", ", shownNotReadable)}]; readable by Get but not listed [{string.Join(", ", readableNotShown)}]");
        foreach (var (name, item) in listed)
        {
            Assert.True(item.Equals(readable[name]), $"{list.Name} {what}: {name} is listed as {item} but Get shows {readable[name]}");
        }
    }

    /// <summary>Callers around one fresh enterprise.</summary>
    private sealed class Callers(TalentFixture fixture)
    {
        public Actors Actors { get; } = new(fixture);
        public DynamicClient Owner => fixture.Service.Client<DynamicClient>(Tokens.For(Actors.Enterprise, "enterprise"));
        public DynamicClient Admin => fixture.Service.Client<DynamicClient>(Tokens.Admin());

        /// <summary>Who else could send the enterprise's request: another person of it, and a competitor.</summary>
        public IReadOnlyList<(string, DynamicClient)> OwnerPeers =>
        [
            ("an editor of the enterprise", fixture.Service.Client<DynamicClient>(Tokens.For(Actors.Enterprise, "enterprise", "editor"))),
            ("a competitor", fixture.Service.Client<DynamicClient>(Tokens.For(Actors.Competitor, "enterprise"))),
        ];

        /// <summary>Who else could send an admin's request: another admin, and an enterprise.</summary>
        public IReadOnlyList<(string, DynamicClient)> AdminPeers =>
        [
            ("another admin", fixture.Service.Client<DynamicClient>(Tokens.Admin("second-admin@city"))),
            ("an enterprise", fixture.Service.Client<DynamicClient>(Tokens.For(Actors.Competitor, "enterprise"))),
        ];

        /// <summary>Everything a write can change, as the admin reads it: the enterprise's declarations with superseded ones, and the trail.</summary>
        public async Task<string> StateOfAsync(string? declaration = null)
        {
            var admin = Actors.Admin;
            var all = await admin.ListDeclarationsAsync(new ListDeclarationsRequest { EnterpriseCreditCode = Actors.Enterprise, IncludeSuperseded = true, PageSize = 200 });
            return declaration is null
                ? ContractSweep.Text(all)
                : ContractSweep.Text(all, await admin.ListDeclarationAuditEntriesAsync(new ListDeclarationAuditEntriesRequest { Parent = declaration, PageSize = 200 }));
        }
    }

    private static Dictionary<string, Func<Callers, Task<RequestIdCase>>> RequestIdCases() => new()
    {
        ["CreateDeclaration"] = c => Task.FromResult(new RequestIdCase(new CreateDeclarationRequest { Declaration = Actors.NewDeclaration() }, c.Owner, c.OwnerPeers, () => c.StateOfAsync())),
        ["SubmitDeclaration"] = async c =>
        {
            var d = await c.Actors.DraftAsync();
            return new RequestIdCase(new SubmitDeclarationRequest { Name = d.Name }, c.Owner, c.OwnerPeers, () => c.StateOfAsync(d.Name));
        },
        ["AcceptDeclaration"] = async c =>
        {
            var d = await c.Actors.SubmittedAsync();
            return new RequestIdCase(new AcceptDeclarationRequest { Name = d.Name }, c.Admin, c.AdminPeers, () => c.StateOfAsync(d.Name));
        },
        ["ReturnDeclaration"] = async c =>
        {
            var d = await c.Actors.SubmittedAsync();
            return new RequestIdCase(new ReturnDeclarationRequest { Name = d.Name, Reason = "补充。" }, c.Admin, c.AdminPeers, () => c.StateOfAsync(d.Name));
        },
        ["ReviseDeclaration"] = async c =>
        {
            var d = await c.Actors.AcceptedAsync();
            return new RequestIdCase(new ReviseDeclarationRequest { Name = d.Name }, c.Owner, c.OwnerPeers, () => c.StateOfAsync(d.Name));
        },
    };

    /// <summary>Each case walks the declaration to where the method applies and keeps the etag it had one step earlier.</summary>
    private static Dictionary<string, Func<Callers, Task<EtagCase>>> EtagCases() => new()
    {
        ["UpdateDeclaration"] = async c =>
        {
            var d = await c.Actors.DraftAsync();
            await c.Actors.Owner.UpdateDeclarationAsync(new UpdateDeclarationRequest
            {
                Declaration = new Declaration { Name = d.Name, Headcount = 3 },
                UpdateMask = new FieldMask { Paths = { "headcount" } },
            });
            var request = new UpdateDeclarationRequest { Declaration = new Declaration { Name = d.Name, Headcount = 4 }, UpdateMask = new FieldMask { Paths = { "headcount" } } };
            return new EtagCase(request, d.Etag, c.Owner, () => c.StateOfAsync(d.Name));
        },
        ["SubmitDeclaration"] = async c =>
        {
            var d = await c.Actors.DraftAsync();
            await c.Actors.Owner.UpdateDeclarationAsync(new UpdateDeclarationRequest
            {
                Declaration = new Declaration { Name = d.Name, Headcount = 3 },
                UpdateMask = new FieldMask { Paths = { "headcount" } },
            });
            return new EtagCase(new SubmitDeclarationRequest { Name = d.Name }, d.Etag, c.Owner, () => c.StateOfAsync(d.Name));
        },
        ["AcceptDeclaration"] = async c =>
        {
            var d = await c.Actors.DraftAsync();
            await c.Actors.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = d.Name });
            return new EtagCase(new AcceptDeclarationRequest { Name = d.Name }, d.Etag, c.Admin, () => c.StateOfAsync(d.Name));
        },
        ["ReturnDeclaration"] = async c =>
        {
            var d = await c.Actors.DraftAsync();
            await c.Actors.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = d.Name });
            return new EtagCase(new ReturnDeclarationRequest { Name = d.Name, Reason = "补充。" }, d.Etag, c.Admin, () => c.StateOfAsync(d.Name));
        },
        ["ReviseDeclaration"] = async c =>
        {
            var d = await c.Actors.SubmittedAsync();
            await c.Actors.Admin.AcceptDeclarationAsync(new AcceptDeclarationRequest { Name = d.Name });
            return new EtagCase(new ReviseDeclarationRequest { Name = d.Name }, d.Etag, c.Owner, () => c.StateOfAsync(d.Name));
        },
    };
}
