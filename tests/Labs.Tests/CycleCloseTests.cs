using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using Band = Collaboration.Labs.V1.Evaluation.Types.Band;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

/// <summary>
/// Closing a cycle touches every operating platform, so these tests use their own database (and
/// run one after another, being one class).
/// </summary>
public sealed class CycleCloseTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture.CyclesService, fixture.Directory);

    [Fact]
    public async Task CloseEvaluationCycle_WithAndWithoutFilings_OnlyUnfiledGetNotFiled()
    {
        var filed = await _as.OperatingAsync();
        var unfiled = await _as.OperatingAsync();
        var draft = await _as.CreateAsync();
        await _as.EvaluateAsync(filed, 2015, 77);

        var closed = await _as.Admin.CloseEvaluationCycleAsync(new CloseEvaluationCycleRequest { Cycle = 2015 });

        Assert.Contains(unfiled.Name, closed.NotFiled);
        Assert.DoesNotContain(filed.Name, closed.NotFiled);
        Assert.DoesNotContain(draft.Name, closed.NotFiled);
        Assert.Contains(unfiled.Name, closed.Rectification);
        var evaluation = Assert.Single((await _as.Admin.ListLabEvaluationsAsync(new ListLabEvaluationsRequest { Parent = unfiled.Name })).Evaluations);
        Assert.True(evaluation.NotFiled);
        Assert.Equal(Band.Unqualified, evaluation.Band);
        Assert.Equal(State.Rectification, (await _as.GetAsync(unfiled)).State);
        Assert.Equal(State.Operating, (await _as.GetAsync(filed)).State);
        Assert.Equal(77, (await _as.Admin.ListLabEvaluationsAsync(new ListLabEvaluationsRequest { Parent = filed.Name })).Evaluations.Single().Score);
    }

    [Fact]
    public async Task CloseEvaluationCycle_Twice_SecondChangesNothing()
    {
        var lab = await _as.OperatingAsync();
        var first = await _as.Admin.CloseEvaluationCycleAsync(new CloseEvaluationCycleRequest { Cycle = 2012 });
        Assert.Contains(lab.Name, first.NotFiled);
        var audit = await fixture.ScalarAsync("SELECT count(*) FROM audit_entries", database: LabsFixture.CyclesDatabase);

        var second = await _as.Admin.CloseEvaluationCycleAsync(new CloseEvaluationCycleRequest { Cycle = 2012 });

        Assert.Empty(second.NotFiled);
        Assert.Empty(second.Revoked);
        Assert.Equal(audit, await fixture.ScalarAsync("SELECT count(*) FROM audit_entries", database: LabsFixture.CyclesDatabase));
        Assert.Single((await _as.Admin.ListLabEvaluationsAsync(new ListLabEvaluationsRequest { Parent = lab.Name })).Evaluations);
    }

    [Fact]
    public async Task CloseEvaluationCycle_SameRequestId_ReturnsOriginalResponse()
    {
        var lab = await _as.OperatingAsync();
        var request = new CloseEvaluationCycleRequest { Cycle = 2011, RequestId = Guid.NewGuid().ToString() };
        var first = await _as.Admin.CloseEvaluationCycleAsync(request);
        var retry = await _as.Admin.CloseEvaluationCycleAsync(request);
        Assert.Contains(lab.Name, retry.NotFiled);
        Assert.Equal(first, retry);
        await GrpcAssert.InvalidFields(() => _as.Admin.CloseEvaluationCycleAsync(
            new CloseEvaluationCycleRequest { Cycle = 2010, RequestId = request.RequestId }).ResponseAsync, "request_id");
    }

    [Fact]
    public async Task CloseEvaluationCycle_AfterUnqualifiedPreviousCycle_RevokesWithAuditEntry()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2016, 40);

        var closed = await _as.Admin.CloseEvaluationCycleAsync(new CloseEvaluationCycleRequest { Cycle = 2017 });

        Assert.Contains(lab.Name, closed.Revoked);
        Assert.Equal(State.Revoked, (await _as.GetAsync(lab)).State);
        var audit = await _as.Admin.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = lab.Name });
        Assert.Contains(audit.AuditEntries, e => e.Action == "RevokeLab" && e.ToState == "Revoked");
    }

    [Fact]
    public async Task CloseEvaluationCycle_EarlierCycleClosedAfterLaterUnqualifiedFiled_Revokes()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2009, 40);
        Assert.Equal(State.Rectification, (await _as.GetAsync(lab)).State);

        var closed = await _as.Admin.CloseEvaluationCycleAsync(new CloseEvaluationCycleRequest { Cycle = 2008 });

        Assert.Contains(lab.Name, closed.Revoked);
        Assert.Equal(State.Revoked, (await _as.GetAsync(lab)).State);
    }

    [Fact]
    public async Task CloseEvaluationCycle_NotAdmin_PermissionDenied_BadCycle_InvalidArgument()
    {
        await GrpcAssert.Status(StatusCode.PermissionDenied,
            () => _as.Host.CloseEvaluationCycleAsync(new CloseEvaluationCycleRequest { Cycle = 2014 }).ResponseAsync);
        await GrpcAssert.InvalidFields(() => _as.Admin.CloseEvaluationCycleAsync(new CloseEvaluationCycleRequest { Cycle = 0 }).ResponseAsync, "cycle");
    }
}
