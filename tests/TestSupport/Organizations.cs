using Collaboration.Shared.Validation;

namespace Collaboration.TestSupport;

/// <summary>Valid synthetic credit codes, distinct per call, for organisations that tests invent.</summary>
public static class Organizations
{
    private static int _next = Random.Shared.Next(1000, 9000) * 1000;

    /// <summary>A fresh valid code; <paramref name="prefix2"/> is the registration authority and type ("91" enterprise, "12" public institution).</summary>
    public static string NewCode(string prefix2 = "91")
    {
        var n = Interlocked.Increment(ref _next);
        return CreditCode.Complete($"{prefix2}431300{n:D8}");
    }
}
