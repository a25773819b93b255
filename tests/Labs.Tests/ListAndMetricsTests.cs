using System.Diagnostics.Metrics;
using Collaboration.Labs.Data;
using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Kind = Collaboration.Labs.V1.Lab.Types.Kind;
using Level = Collaboration.Labs.V1.Lab.Types.Level;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

public sealed class ListAndMetricsTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    [Fact]
    public async Task ListLabs_Filters_KindLevelStateHostPartnerField()
    {
        var field = $"field-{Guid.NewGuid():N}"[..20];
        var keyLab = await _as.CreateAsync(Kind.KeyLaboratory, Level.Provincial, field);
        var centre = await _as.CreateAsync(Kind.EnterpriseTechnologyCenter, Level.Municipal, field);
        await _as.AddUniversityAsync(centre);

        Assert.Equal([keyLab.Name], (await _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = field, Kind = Kind.KeyLaboratory })).Labs.Select(l => l.Name));
        Assert.Equal([centre.Name], (await _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = field, Level = Level.Municipal })).Labs.Select(l => l.Name));
        Assert.Equal([centre.Name], (await _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = field, PartnerCreditCode = _as.University })).Labs.Select(l => l.Name));
        Assert.Equal(2, (await _as.Host.ListLabsAsync(new ListLabsRequest { HostCreditCode = _as.Enterprise, State = State.Draft })).Labs.Count);
        Assert.Empty((await _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = field, State = State.Operating })).Labs);
    }

    [Fact]
    public async Task ListLabs_Pages_TokenBoundToQuery()
    {
        var field = $"field-{Guid.NewGuid():N}"[..20];
        for (var i = 0; i < 3; i++)
        {
            await _as.CreateAsync(field: field);
        }
        var first = await _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = field, PageSize = 2 });
        Assert.Equal(2, first.Labs.Count);
        var second = await _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = field, PageSize = 2, PageToken = first.NextPageToken });
        Assert.Single(second.Labs);
        Assert.Empty(second.NextPageToken);
        await GrpcAssert.InvalidFields(() => _as.Host.ListLabsAsync(new ListLabsRequest { ResearchField = "other", PageToken = first.NextPageToken }).ResponseAsync,
            "page_token");
    }

    [Theory]
    [InlineData("negative-page-size", "page_size")]
    [InlineData("unknown-kind", "kind")]
    [InlineData("bad-host-code", "host_credit_code")]
    [InlineData("bad-cycle", "due_for_evaluation_cycle")]
    public async Task ListLabs_BadInput_InvalidArgument(string problem, string field)
    {
        var request = problem switch
        {
            "negative-page-size" => new ListLabsRequest { PageSize = -1 },
            "unknown-kind" => new ListLabsRequest { Kind = (Kind)42 },
            "bad-host-code" => new ListLabsRequest { HostCreditCode = "91350100M000100Y44" },
            _ => new ListLabsRequest { DueForEvaluationCycle = 12 },
        };
        await GrpcAssert.InvalidFields(() => _as.Host.ListLabsAsync(request).ResponseAsync, field);
    }

    [Fact]
    public async Task ListLabs_DueForEvaluation_OperatingWithoutFilingForTheCycle()
    {
        var field = $"field-{Guid.NewGuid():N}"[..20];
        var due = await _as.OperatingAsync(field: field);
        var filed = await _as.OperatingAsync(field: field);
        await _as.CreateAsync(field: field);
        await _as.EvaluateAsync(filed, 2019, 88);

        var listed = await _as.Admin.ListLabsAsync(new ListLabsRequest { ResearchField = field, DueForEvaluationCycle = 2019 });

        Assert.Equal([due.Name], listed.Labs.Select(l => l.Name));
    }

    [Fact]
    public async Task ListLabs_ConstructionOverdue_PastDeadlineOnly()
    {
        var field = $"field-{Guid.NewGuid():N}"[..20];
        var late = await _as.Admin.AccreditLabAsync(new AccreditLabRequest { Name = (await _as.InPublicNoticeAsync(await _as.CreateAsync(field: field))).Name });
        var onTime = await _as.Admin.AccreditLabAsync(new AccreditLabRequest { Name = (await _as.InPublicNoticeAsync(await _as.CreateAsync(field: field))).Name });
        await _as.Host.StartLabConstructionAsync(new StartLabConstructionRequest { Name = late.Name });
        // Time passes: the deadline is in the past.
        await fixture.ScalarAsync("UPDATE labs SET construction_deadline = DATE '2021-01-01' WHERE id = @id RETURNING 1",
            new { id = Guid.Parse(late.Name["labs/".Length..]) });

        var listed = await _as.Admin.ListLabsAsync(new ListLabsRequest { ResearchField = field, ConstructionOverdue = true });

        Assert.Equal([late.Name], listed.Labs.Select(l => l.Name));
        Assert.NotEqual(late.Name, onTime.Name);
    }

    [Fact]
    public async Task Gauge_CountsByKindLevelState_FromPostgres()
    {
        await _as.OperatingAsync(Kind.EngineeringResearchCenter, Level.National);
        var expected = await fixture.ScalarAsync("SELECT count(*) FROM labs WHERE kind = 3 AND level = 3 AND state = 9");

        var seen = new List<(long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LabMetrics.MeterName && instrument.Name == LabMetrics.GaugeName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (seen)
            {
                seen.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Contains(seen, m => m.Value >= expected
            && (string?)m.Tags["kind"] == "EngineeringResearchCenter" && (string?)m.Tags["level"] == "National" && (string?)m.Tags["state"] == "Operating");
    }
}

public sealed class JsonTranscodingTests(LabsFixture fixture)
{
    [Fact]
    public async Task ProjectGrade_OverHttpJson_CustomMethodRoutes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/labs:projectGrade")
        {
            Content = new StringContent("""{"score": 64}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Tokens.Admin());

        using var response = await fixture.Service.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}");
        Assert.Contains("BASICALLY_QUALIFIED", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
