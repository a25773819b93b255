using Grade = Collaboration.Alliances.V1.Evaluation.Types.Grade;

namespace Collaboration.Alliances.Model;

/// <summary>Annual activity grades: high ≥ 86, fairly high 75–85, fair 65–74, poor ≤ 64.</summary>
public static class AllianceGrading
{
    public const int MinScore = 0;
    public const int MaxScore = 100;

    public static Grade Grade(int score)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(score, MinScore);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(score, MaxScore);
        return score switch
        {
            >= 86 => V1.Evaluation.Types.Grade.High,
            >= 75 => V1.Evaluation.Types.Grade.FairlyHigh,
            >= 65 => V1.Evaluation.Types.Grade.Fair,
            _ => V1.Evaluation.Types.Grade.Poor,
        };
    }
}
