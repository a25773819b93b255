using Collaboration.Labs.V1;
using Collaboration.TestSupport;
using Grpc.Core;
using Band = Collaboration.Labs.V1.Evaluation.Types.Band;
using Level = Collaboration.Labs.V1.Lab.Types.Level;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Tests;

public sealed class EvaluationTests(LabsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    [Theory]
    [InlineData(90, Band.Excellent, State.Operating)]
    [InlineData(89, Band.Good, State.Operating)]
    [InlineData(65, Band.Good, State.Operating)]
    [InlineData(64, Band.BasicallyQualified, State.Rectification)]
    [InlineData(60, Band.BasicallyQualified, State.Rectification)]
    [InlineData(59, Band.Unqualified, State.Rectification)]
    public async Task RecordLabEvaluation_BandEdges_BandAndConsequence(int score, Band band, State after)
    {
        var lab = await _as.OperatingAsync();

        var evaluation = await _as.EvaluateAsync(lab, 2022, score);

        Assert.Equal(band, evaluation.Band);
        Assert.Equal(score, evaluation.Score);
        Assert.False(evaluation.NotFiled);
        Assert.Equal($"{lab.Name}/evaluations/2022", evaluation.Name);
        Assert.Equal(after, (await _as.GetAsync(lab)).State);
    }

    [Fact]
    public async Task RecordLabEvaluation_NoScore_NotFiledIsUnqualified()
    {
        var lab = await _as.OperatingAsync();
        var evaluation = await _as.EvaluateAsync(lab, 2022, null);
        Assert.True(evaluation.NotFiled);
        Assert.False(evaluation.HasScore);
        Assert.Equal(Band.Unqualified, evaluation.Band);
    }

    [Fact]
    public async Task RecordLabEvaluation_TwoUnqualifiedConsecutiveCycles_RevokedWithAuditEntry()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2020, 45);
        Assert.Equal(State.Rectification, (await _as.GetAsync(lab)).State);

        await _as.EvaluateAsync(lab, 2021, null);

        var revoked = await _as.GetAsync(lab);
        Assert.Equal(State.Revoked, revoked.State);
        Assert.Contains("two consecutive cycles", revoked.StateReason);
        var audit = await _as.Admin.ListLabAuditEntriesAsync(new ListLabAuditEntriesRequest { Parent = lab.Name });
        var entry = Assert.Single(audit.AuditEntries, e => e.Action == "RevokeLab");
        Assert.Equal(("Rectification", "Revoked"), (entry.FromState, entry.ToState));
        // The revocation and the evaluation that caused it were written together.
        Assert.Equal(audit.AuditEntries[^2].Resource, $"{lab.Name}/evaluations/2021");
    }

    [Fact]
    public async Task RecordLabEvaluation_UnqualifiedCyclesNotConsecutive_NotRevoked()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2018, 30);
        await _as.EvaluateAsync(lab, 2020, 30);
        Assert.Equal(State.Rectification, (await _as.GetAsync(lab)).State);
    }

    [Fact]
    public async Task RecordLabEvaluation_UnqualifiedAfterBasicallyQualified_NotRevoked()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2020, 62);
        await _as.EvaluateAsync(lab, 2021, 59);
        Assert.Equal(State.Rectification, (await _as.GetAsync(lab)).State);
    }

    // Filed out of order: rows of cycles are judged by cycle number, never by the order the results arrived in.
    [Fact]
    public async Task RecordLabEvaluation_EarlierCycleFiledAfterLaterUnqualified_Revoked()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2021, 40);
        Assert.Equal(State.Rectification, (await _as.GetAsync(lab)).State);

        await _as.EvaluateAsync(lab, 2020, 50);

        var revoked = await _as.GetAsync(lab);
        Assert.Equal(State.Revoked, revoked.State);
        Assert.Contains("two consecutive cycles", revoked.StateReason);
    }

    [Fact]
    public async Task RecordLabEvaluation_GapFilledLateUnqualified_RevokedByTheCyclesOnEitherSide()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2023, 30);
        await _as.EvaluateAsync(lab, 2021, null);
        Assert.Equal(State.Rectification, (await _as.GetAsync(lab)).State);

        await _as.EvaluateAsync(lab, 2022, 55);

        Assert.Equal(State.Revoked, (await _as.GetAsync(lab)).State);
    }

    [Fact]
    public async Task RecordLabEvaluation_UnqualifiedFiledBackToBackButCyclesApart_NotRevoked()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2022, 40);
        await _as.EvaluateAsync(lab, 2020, 40);
        Assert.Equal(State.Rectification, (await _as.GetAsync(lab)).State);

        // The cycle between them arrives last and is good: still no two unqualified cycles in a row.
        await _as.EvaluateAsync(lab, 2021, 80);

        Assert.Equal(State.Rectification, (await _as.GetAsync(lab)).State);
        var cycles = (await _as.Admin.ListLabEvaluationsAsync(new ListLabEvaluationsRequest { Parent = lab.Name })).Evaluations.Select(e => e.Cycle);
        Assert.Equal([2020, 2021, 2022], cycles);
    }

    [Fact]
    public async Task RecordLabEvaluation_SameCycleTwice_AlreadyExists()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2022, 80);
        await GrpcAssert.Status(StatusCode.AlreadyExists, () => _as.EvaluateAsync(lab, 2022, 95));
    }

    [Theory]
    [InlineData(101, 2022, "score")]
    [InlineData(-1, 2022, "score")]
    [InlineData(80, 1999, "cycle")]
    [InlineData(80, 3000, "cycle")]
    public async Task RecordLabEvaluation_BadInput_InvalidArgumentAndNothingWritten(int score, int cycle, string field)
    {
        var lab = await _as.OperatingAsync();
        await GrpcAssert.InvalidFields(() => _as.EvaluateAsync(lab, cycle, score), field);
        Assert.Empty((await _as.Admin.ListLabEvaluationsAsync(new ListLabEvaluationsRequest { Parent = lab.Name })).Evaluations);
    }

    [Fact]
    public async Task RecordLabEvaluation_NotOperating_FailedPrecondition_Host_PermissionDenied()
    {
        var draft = await _as.CreateAsync();
        await GrpcAssert.Status(StatusCode.FailedPrecondition, () => _as.EvaluateAsync(draft, 2022, 80));
        var lab = await _as.OperatingAsync();
        await GrpcAssert.Status(StatusCode.PermissionDenied, () => _as.Host.RecordLabEvaluationAsync(new RecordLabEvaluationRequest
        {
            Parent = lab.Name, Cycle = 2022, Score = 99,
        }).ResponseAsync);
    }

    [Theory]
    [InlineData(90, Band.Excellent)]
    [InlineData(89, Band.Good)]
    [InlineData(65, Band.Good)]
    [InlineData(64, Band.BasicallyQualified)]
    [InlineData(60, Band.BasicallyQualified)]
    [InlineData(59, Band.Unqualified)]
    [InlineData(null, Band.Unqualified)]
    public async Task ProjectGrade_AnyReader_RulesAsCode(int? score, Band band)
    {
        var request = new ProjectGradeRequest();
        if (score is { } value)
        {
            request.Score = value;
        }
        var projected = await _as.Other.ProjectGradeAsync(request);
        Assert.Equal(band, projected.Band);
        Assert.NotEmpty(projected.Consequence);
    }

    [Fact]
    public async Task ProjectGrade_OutOfRange_InvalidArgument() =>
        await GrpcAssert.InvalidFields(() => _as.Other.ProjectGradeAsync(new ProjectGradeRequest { Score = 120 }).ResponseAsync, "score");

    [Fact]
    public async Task RequestLabUpgrade_AfterExcellent_NewApplicationOneLevelUp_OriginalOperatingUntilAccredited()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2023, 93);
        lab = await _as.GetAsync(lab);

        var upgrade = await _as.Host.RequestLabUpgradeAsync(new RequestLabUpgradeRequest { Name = lab.Name, Etag = lab.Etag });

        Assert.Equal(State.Draft, upgrade.State);
        Assert.Equal(Level.Provincial, upgrade.Level);
        Assert.Equal(lab.Name, upgrade.UpgradeOf);
        Assert.Equal(lab.Kind, upgrade.Kind);
        Assert.Equal(State.Operating, (await _as.GetAsync(lab)).State);
        await GrpcAssert.Status(StatusCode.AlreadyExists,
            () => _as.Host.RequestLabUpgradeAsync(new RequestLabUpgradeRequest { Name = lab.Name }).ResponseAsync);

        upgrade = await _as.InPublicNoticeAsync(upgrade);
        Assert.Equal(State.Operating, (await _as.GetAsync(lab)).State);
        await _as.Admin.AccreditLabAsync(new AccreditLabRequest { Name = upgrade.Name });

        var original = await _as.GetAsync(lab);
        Assert.Equal(State.Upgraded, original.State);
        Assert.Equal(upgrade.Name, original.SupersededBy);
        Assert.Equal(Level.Municipal, original.Level);
    }

    [Fact]
    public async Task RequestLabUpgrade_LatestNotExcellent_FailedPrecondition()
    {
        var lab = await _as.OperatingAsync();
        await _as.EvaluateAsync(lab, 2022, 95);
        await _as.EvaluateAsync(lab, 2023, 85);
        var error = await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => _as.Host.RequestLabUpgradeAsync(new RequestLabUpgradeRequest { Name = lab.Name }).ResponseAsync);
        Assert.Contains("excellent", error.Status.Detail);
    }

    [Fact]
    public async Task RequestLabUpgrade_National_FailedPrecondition_Admin_PermissionDenied()
    {
        var lab = await _as.OperatingAsync(level: Level.National);
        await _as.EvaluateAsync(lab, 2023, 99);
        await GrpcAssert.Status(StatusCode.FailedPrecondition,
            () => _as.Host.RequestLabUpgradeAsync(new RequestLabUpgradeRequest { Name = lab.Name }).ResponseAsync);
        await GrpcAssert.Status(StatusCode.PermissionDenied,
            () => _as.Admin.RequestLabUpgradeAsync(new RequestLabUpgradeRequest { Name = lab.Name }).ResponseAsync);
    }
}
