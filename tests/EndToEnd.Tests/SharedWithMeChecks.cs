using Grpc.Core;

namespace Collaboration.EndToEnd.Tests;

/// <summary>One page of a List method with its <c>shared_with_me</c> and state filters set as asked, as the grantee calls it.</summary>
internal delegate Task<(IReadOnlyList<string> Names, string NextPageToken)> ListPage<TState>(bool sharedWithMe, TState state, int pageSize,
    string pageToken);

/// <summary>
/// "Shared with me" as every List method that offers it must behave, through the gateway with real grants: the same two
/// checks for alliances, labs and industrial colleges, each service giving its own calls and states.
/// </summary>
/// <param name="owner">The organisation (fixture key) that owns the records and grants them.</param>
/// <param name="grantee">The organisation the records are shared with.</param>
/// <param name="stranger">An organisation that owns none of the records: its grants must share nothing.</param>
/// <param name="createHiddenAsync">As the owner, a new record in <paramref name="hiddenState"/>, which the plain rule shows to no one else.</param>
/// <param name="list">As the grantee.</param>
/// <param name="otherState">A state the new records are not in.</param>
internal sealed class SharedWithMeChecks<TState>(PlatformFixture platform, string owner, string grantee, string stranger,
    Func<Task<string>> createHiddenAsync, ListPage<TState> list, TState anyState, TState hiddenState, TState otherState)
{
    private async Task<IReadOnlyList<string>> SharedAsync(TState state) => (await list(true, state, 200, "")).Names;

    public async Task ListsTheGrantedRecord_ComposesWithFilters_AndDropsItOnRevocation()
    {
        var granted = await createHiddenAsync();
        var notGranted = await createHiddenAsync();

        Assert.DoesNotContain(granted, await SharedAsync(anyState));
        var grant = await platform.GrantAsync(owner, granted, grantee, "viewer");
        // A grant by an organisation that does not own the record shares nothing, as on Get.
        var strayGrant = await platform.GrantAsync(stranger, notGranted, grantee, "editor");

        var shared = await SharedAsync(anyState);
        Assert.Contains(granted, shared);
        Assert.DoesNotContain(notGranted, shared);
        Assert.Contains(granted, await SharedAsync(hiddenState));
        Assert.DoesNotContain(granted, await SharedAsync(otherState));
        // Without the filter the plain visibility rule applies: the record is its owner's alone.
        Assert.DoesNotContain(granted, (await list(false, hiddenState, 200, "")).Names);

        await platform.RevokeAsync(owner, grant);
        Assert.DoesNotContain(granted, await SharedAsync(anyState));
        await platform.RevokeAsync(stranger, strayGrant);
    }

    public async Task PagesOverSeveralGrantedRecords_WithATokenBoundToTheFilter()
    {
        var records = new List<string>();
        var grants = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var record = await createHiddenAsync();
            records.Add(record);
            grants.Add(await platform.GrantAsync(owner, record, grantee, "viewer"));
        }

        var seen = new List<string>();
        var pages = 0;
        var token = "";
        do
        {
            var (names, next) = await list(true, hiddenState, 2, token);
            Assert.True(names.Count <= 2);
            seen.AddRange(names);
            pages++;
            if (pages == 1)
            {
                // The token belongs to the shared-with-me query: the plain list refuses it.
                var error = await Assert.ThrowsAsync<RpcException>(() => list(false, hiddenState, 2, next));
                Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            }
            token = next;
        }
        while (token.Length > 0);

        Assert.True(pages >= 3, $"{pages} pages");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Subset(seen.ToHashSet(), records.ToHashSet());
        foreach (var grant in grants)
        {
            await platform.RevokeAsync(owner, grant);
        }
    }
}
