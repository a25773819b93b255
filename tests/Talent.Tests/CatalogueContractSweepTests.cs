using Collaboration.Talent.V1;
using Collaboration.TestSupport;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using EditionState = Collaboration.Talent.V1.CatalogueEdition.Types.State;

namespace Collaboration.Talent.Tests;

/// <summary>The shared write and read rules held for every method of the catalogue contract (see ContractSweepTests).</summary>
// Publishing supersedes every earlier published edition: the tests that publish run one after another.
[Collection("catalogue publications")]
public sealed class CatalogueContractSweepTests(TalentFixture fixture)
{
    private static readonly ServiceDescriptor Contract = CatalogueService.Descriptor;

    private DynamicClient Admin => fixture.Service.Client<DynamicClient>(Tokens.Admin());
    private CatalogueService.CatalogueServiceClient AdminCatalogue => fixture.Service.Client<CatalogueService.CatalogueServiceClient>(Tokens.Admin());

    /// <summary>A draft edition of a fresh year with one entry.</summary>
    private async Task<CatalogueEdition> DraftAsync(int? year = null)
    {
        var y = year ?? TestYears.New();
        var actors = new Actors(fixture);
        var declaration = await actors.Owner.CreateDeclarationAsync(new CreateDeclarationRequest { Declaration = Actors.NewDeclaration(y, TestChains.New()) });
        await actors.Owner.SubmitDeclarationAsync(new SubmitDeclarationRequest { Name = declaration.Name });
        await actors.Admin.AcceptDeclarationAsync(new AcceptDeclarationRequest { Name = declaration.Name });
        return await AdminCatalogue.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = y });
    }

    private async Task<string> StateOfAsync(string edition)
    {
        var admin = AdminCatalogue;
        return ContractSweep.Text(
            await admin.GetCatalogueEditionAsync(new GetCatalogueEditionRequest { Name = edition }),
            await admin.ListCatalogueEntriesAsync(new ListCatalogueEntriesRequest { Parent = edition, PageSize = 200 }),
            await admin.ListCatalogueAuditEntriesAsync(new ListCatalogueAuditEntriesRequest { Parent = edition, PageSize = 200 }));
    }

    private IReadOnlyList<(string, DynamicClient)> AdminPeers(string enterprise) =>
    [
        ("another admin", fixture.Service.Client<DynamicClient>(Tokens.Admin("second-admin@city"))),
        ("an enterprise", fixture.Service.Client<DynamicClient>(Tokens.For(enterprise, "enterprise"))),
    ];

    [Fact]
    public async Task RequestId_ReusedByAnotherCaller_InvalidArgument_NothingHandedOver_NothingChanged()
    {
        var cases = new Dictionary<string, Func<Task<RequestIdCase>>>
        {
            // Compiling reads the other service before its transaction, so a non-admin is refused before the request id is
            // looked at (PERMISSION_DENIED, nothing handed over); the id's owner check is held against another admin.
            ["CompileCatalogueEdition"] = async () =>
            {
                var year = TestYears.New();
                var others = AdminPeers(fixture.Directory.New("enterprise")).Take(1).ToList();
                return new RequestIdCase(new CompileCatalogueEditionRequest { Year = year }, Admin, others,
                    async () => ContractSweep.Text(await AdminCatalogue.ListCatalogueEditionsAsync(new ListCatalogueEditionsRequest { PageSize = 200 })));
            },
            ["PublishCatalogueEdition"] = async () =>
            {
                var edition = await DraftAsync();
                return new RequestIdCase(new PublishCatalogueEditionRequest { Name = edition.Name }, Admin, AdminPeers(fixture.Directory.New("enterprise")),
                    () => StateOfAsync(edition.Name));
            },
        };
        ContractSweep.AssertCovered("request_id", ContractSweep.MethodsWithField(Contract, "request_id").Select(m => m.Name), cases.Keys);
        // Publishing supersedes the earlier published editions: one case at a time keeps each case's "nothing changed" its own.
        foreach (var (method, scenario) in cases)
        {
            await ContractSweep.RequestIdOfAnotherCallerRefusedAsync(Contract.FindMethodByName(method), await scenario());
        }
    }

    [Fact]
    public async Task Etag_Stale_Aborted_NothingChanged()
    {
        var cases = new Dictionary<string, Func<Task<EtagCase>>>
        {
            ["PublishCatalogueEdition"] = async () =>
            {
                var edition = await DraftAsync();
                await AdminCatalogue.CompileCatalogueEditionAsync(new CompileCatalogueEditionRequest { Year = edition.Year });
                return new EtagCase(new PublishCatalogueEditionRequest { Name = edition.Name }, edition.Etag, Admin, () => StateOfAsync(edition.Name));
            },
            ["UpdateCatalogueEntry"] = async () =>
            {
                var edition = await DraftAsync();
                var entry = (await AdminCatalogue.ListCatalogueEntriesAsync(new ListCatalogueEntriesRequest { Parent = edition.Name })).Entries[0];
                await AdminCatalogue.UpdateCatalogueEntryAsync(new UpdateCatalogueEntryRequest
                {
                    Entry = new CatalogueEntry { Name = entry.Name, Note = "first" },
                    UpdateMask = new FieldMask { Paths = { "note" } },
                });
                var request = new UpdateCatalogueEntryRequest { Entry = new CatalogueEntry { Name = entry.Name, Note = "second" }, UpdateMask = new FieldMask { Paths = { "note" } } };
                return new EtagCase(request, entry.Etag, Admin, () => StateOfAsync(edition.Name));
            },
        };
        ContractSweep.AssertCovered("etag", ContractSweep.MethodsWithEtag(Contract).Select(m => m.Name), cases.Keys);
        await ContractSweep.AllAsync("stale etag", cases.Select(c => (c.Key, (Func<Task>)(async () =>
            await ContractSweep.StaleEtagAbortedAsync(Contract.FindMethodByName(c.Key), await c.Value())))));
    }

    [Fact]
    public async Task List_ForEveryCaller_ShowsExactlyWhatGetShows()
    {
        var draft = await DraftAsync();
        var first = await DraftAsync();
        await AdminCatalogue.PublishCatalogueEditionAsync(new PublishCatalogueEditionRequest { Name = first.Name });
        var second = await DraftAsync();
        await AdminCatalogue.PublishCatalogueEditionAsync(new PublishCatalogueEditionRequest { Name = second.Name });
        var seeded = new List<CatalogueEdition>();
        foreach (var name in new[] { draft.Name, first.Name, second.Name })
        {
            seeded.Add(await AdminCatalogue.GetCatalogueEditionAsync(new GetCatalogueEditionRequest { Name = name }));
        }
        // A later test may have published a later year since: "first" is superseded either way.
        Assert.Equal([EditionState.Draft, EditionState.Superseded], seeded.Take(2).Select(e => e.State));

        var list = Contract.FindMethodByName(nameof(CatalogueService.CatalogueServiceClient.ListCatalogueEditions));
        var filters = new Dictionary<string, IReadOnlyList<(object Value, Func<CatalogueEdition, bool> Matches)>>
        {
            ["state"] = [.. System.Enum.GetValues<EditionState>().Where(s => s != EditionState.Unspecified).Select(s => ((object)s, (Func<CatalogueEdition, bool>)(e => e.State == s)))],
        };
        ContractSweep.AssertCovered("ListCatalogueEditions filters", ContractSweep.Filters(list.InputType), filters.Keys);
        var children = new Dictionary<string, Func<string, IMessage>>
        {
            ["ListCatalogueEntries"] = p => new ListCatalogueEntriesRequest { Parent = p },
            ["ListCatalogueAuditEntries"] = p => new ListCatalogueAuditEntriesRequest { Parent = p },
        };
        ContractSweep.AssertCovered("List methods", ContractSweep.ListMethods(Contract).Select(m => m.Name), [list.Name, .. children.Keys]);
        var get = Contract.FindMethodByName(nameof(CatalogueService.CatalogueServiceClient.GetCatalogueEdition));
        var adminChildren = new Dictionary<(string, string), string>();
        foreach (var (method, request) in children)
        {
            foreach (var e in seeded)
            {
                adminChildren[(method, e.Name)] = ContractSweep.Text(await ContractSweep.AllPagesAsync(Admin, Contract.FindMethodByName(method), request(e.Name), pageSize: 2));
            }
        }
        var enterprise = fixture.Directory.New("enterprise");
        var callers = new Dictionary<string, DynamicClient>
        {
            ["city admin"] = Admin,
            ["an enterprise"] = fixture.Service.Client<DynamicClient>(Tokens.For(enterprise, "enterprise")),
            ["anonymous"] = fixture.Service.Client<DynamicClient>(null),
        };
        await ContractSweep.AllAsync("list visibility", callers.Select(caller => (caller.Key, (Func<Task>)(async () =>
        {
            var client = caller.Value;
            var readable = new Dictionary<string, IMessage>();
            foreach (var e in seeded)
            {
                try
                {
                    readable[e.Name] = await client.CallAsync(get, new GetCatalogueEditionRequest { Name = e.Name });
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                }
            }
            Assert.True(caller.Key == "city admin" ? readable.Count == 3 : readable.Count == 2 && !readable.ContainsKey(draft.Name),
                $"{caller.Key} reads [{string.Join(", ", readable.Keys)}]");
            foreach (var (what, request, matches) in new[] { ("unfiltered", (IMessage)new ListCatalogueEditionsRequest(), (Func<CatalogueEdition, bool>)(_ => true)) }
                .Concat(filters.SelectMany(f => f.Value.Select(v => ($"{f.Key}={v.Value}", ContractSweep.With(new ListCatalogueEditionsRequest(), f.Key, v.Value), v.Matches)))))
            {
                var ours = seeded.Select(e => e.Name).ToHashSet();
                var listed = (await ContractSweep.AllPagesAsync(client, list, request, pageSize: 100)).Where(m => ours.Contains(ContractSweep.NameOf(m))).ToDictionary(ContractSweep.NameOf);
                var expected = seeded.Where(e => matches(e) && readable.ContainsKey(e.Name)).Select(e => e.Name).Order().ToList();
                Assert.True(expected.SequenceEqual(listed.Keys.Order()), $"ListCatalogueEditions {what}: [{string.Join(", ", listed.Keys)}], Get reads [{string.Join(", ", expected)}]");
                Assert.All(listed, l => Assert.Equal(readable[l.Key], l.Value));
            }
            foreach (var (method, request) in children)
            {
                var child = Contract.FindMethodByName(method);
                foreach (var e in seeded)
                {
                    if (!readable.ContainsKey(e.Name))
                    {
                        Assert.False(await client.SucceedsAsync(child, request(e.Name), caller.Key == "anonymous" && method == "ListCatalogueAuditEntries" ? StatusCode.Unauthenticated : StatusCode.NotFound),
                            $"{method} {e.Name} answered although GetCatalogueEdition is NOT_FOUND");
                    }
                    else if (method == "ListCatalogueAuditEntries" && caller.Key != "city admin")
                    {
                        Assert.False(await client.SucceedsAsync(child, request(e.Name), caller.Key == "anonymous" ? StatusCode.Unauthenticated : StatusCode.PermissionDenied),
                            $"{method} {e.Name} shows the audit trail beyond the admins");
                    }
                    else
                    {
                        Assert.True(adminChildren[(method, e.Name)] == ContractSweep.Text(await ContractSweep.AllPagesAsync(client, child, request(e.Name), pageSize: 2)),
                            $"{method} {e.Name} shows other records than the admin sees");
                    }
                }
            }
        }))));
    }
}
