using Band = Collaboration.Labs.V1.Evaluation.Types.Band;
using State = Collaboration.Labs.V1.Lab.Types.State;

namespace Collaboration.Labs.Model;

/// <summary>
/// Evaluation bands: excellent ≥ 90, good 65–89, basically qualified 60–64 (must rectify),
/// unqualified &lt; 60 or not filed. Two unqualified results in consecutive cycles revoke the platform.
/// </summary>
public static class LabGrading
{
    public const int MinScore = 0;
    public const int MaxScore = 100;

    /// <summary>The band of a score; null means "not filed".</summary>
    public static Band Band(int? score)
    {
        if (score is not { } value)
        {
            return V1.Evaluation.Types.Band.Unqualified;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(value, MinScore);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxScore);
        return value switch
        {
            >= 90 => V1.Evaluation.Types.Band.Excellent,
            >= 65 => V1.Evaluation.Types.Band.Good,
            >= 60 => V1.Evaluation.Types.Band.BasicallyQualified,
            _ => V1.Evaluation.Types.Band.Unqualified,
        };
    }

    /// <summary>
    /// The cycles that stand in a row with <paramref name="cycle"/>: the one before and the one after. Rows are
    /// judged by cycle number, whatever order the results were filed in, so a late filing for an earlier cycle
    /// completes a row with a later cycle already on file.
    /// </summary>
    public static int[] ConsecutiveCycles(int cycle) => [cycle - 1, cycle + 1];

    /// <summary>
    /// What an evaluation does to the platform: the second unqualified result in consecutive cycles
    /// revokes it; a basically qualified or (first) unqualified result sends an operating platform to
    /// rectification; anything else changes nothing.
    /// </summary>
    public static LabAction? Consequence(State state, Band band, bool consecutiveCycleUnqualified) => band switch
    {
        V1.Evaluation.Types.Band.Unqualified when consecutiveCycleUnqualified => LabAction.Revoke,
        V1.Evaluation.Types.Band.Unqualified or V1.Evaluation.Types.Band.BasicallyQualified when state == State.Operating
            => LabAction.RequireRectification,
        _ => null,
    };

    public static string Describe(Band band) => band switch
    {
        V1.Evaluation.Types.Band.Excellent => "Excellent: the platform may request an upgrade one level up.",
        V1.Evaluation.Types.Band.Good => "Good: no consequence.",
        V1.Evaluation.Types.Band.BasicallyQualified => "Basically qualified: an operating platform must rectify.",
        _ => "Unqualified: an operating platform must rectify; a second unqualified cycle in a row revokes it.",
    };
}
