using Google.Rpc;
using Grpc.Core;

namespace Collaboration.Portal.Gateway;

/// <summary>How a page shows what a service answered instead of a result.</summary>
public enum ProblemKind
{
    /// <summary>INVALID_ARGUMENT: field violations, each shown next to the field it names.</summary>
    Invalid,
    /// <summary>ABORTED: the record changed since the person opened it; their input is kept.</summary>
    Conflict,
    /// <summary>FAILED_PRECONDITION / ALREADY_EXISTS: the service's reason, shown above the form.</summary>
    Refused,
    /// <summary>NOT_FOUND: a plain page.</summary>
    NotFound,
    /// <summary>PERMISSION_DENIED: a plain page.</summary>
    Denied,
    /// <summary>UNAUTHENTICATED: the session no longer holds a token the platform accepts.</summary>
    SignInRequired,
    /// <summary>UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED: a page to retry from.</summary>
    Unavailable,
    /// <summary>Anything else: a page that says so, with no detail.</summary>
    Failed,
}

public sealed record FieldProblem(string Field, string Description);

/// <summary>
/// A service's refusal, mapped once for every page. Only what a person can act on travels: field violations, and the
/// service's own reason for a refused change; never a status detail, a stack trace or an address.
/// </summary>
public sealed record ServiceProblem(ProblemKind Kind, IReadOnlyList<FieldProblem> Violations, string? Reason)
{
    /// <summary>Shown as a whole page instead of the page's content.</summary>
    public bool IsPageLevel => Kind is ProblemKind.NotFound or ProblemKind.Denied or ProblemKind.SignInRequired
        or ProblemKind.Unavailable or ProblemKind.Failed;

    /// <summary>The HTTP status of the page that shows it.</summary>
    public int HttpStatus => Kind switch
    {
        ProblemKind.Invalid => StatusCodes.Status400BadRequest,
        ProblemKind.Conflict or ProblemKind.Refused => StatusCodes.Status409Conflict,
        ProblemKind.NotFound => StatusCodes.Status404NotFound,
        ProblemKind.Denied => StatusCodes.Status403Forbidden,
        ProblemKind.SignInRequired => StatusCodes.Status401Unauthorized,
        ProblemKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public IEnumerable<string> For(string field) =>
        Violations.Where(v => string.Equals(v.Field, field, StringComparison.Ordinal)).Select(v => v.Description);

    /// <summary>The violations that name none of <paramref name="shownFields"/> (so none is lost on a form that lacks the field).</summary>
    public IEnumerable<FieldProblem> NotIn(IEnumerable<string> shownFields)
    {
        var shown = shownFields.ToHashSet(StringComparer.Ordinal);
        return Violations.Where(v => !shown.Contains(v.Field));
    }

    public static ServiceProblem From(RpcException exception)
    {
        var status = exception.GetRpcStatus();
        return exception.StatusCode switch
        {
            StatusCode.InvalidArgument => new(ProblemKind.Invalid, ViolationsOf(status), null),
            StatusCode.Aborted => new(ProblemKind.Conflict, [], null),
            StatusCode.FailedPrecondition or StatusCode.AlreadyExists => new(ProblemKind.Refused, [], ReasonOf(exception)),
            StatusCode.NotFound when MissingReferences(status) is { Count: > 0 } missing => new(ProblemKind.Invalid, missing, null),
            StatusCode.NotFound => new(ProblemKind.NotFound, [], null),
            StatusCode.PermissionDenied => new(ProblemKind.Denied, [], null),
            StatusCode.Unauthenticated => new(ProblemKind.SignInRequired, [], null),
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Cancelled
                => new(ProblemKind.Unavailable, [], null),
            _ => new(ProblemKind.Failed, [], null),
        };
    }

    private static List<FieldProblem> ViolationsOf(Google.Rpc.Status? status) =>
        status?.GetDetail<BadRequest>()?.FieldViolations.Select(v => new FieldProblem(v.Field, v.Description)).ToList() ?? [];

    /// <summary>
    /// A NOT_FOUND about something the request named (an organisation's credit code nobody registered) belongs next to
    /// that field, not on a "no such page" page: ErrorInfo REFERENCE_NOT_FOUND names the fields.
    /// </summary>
    private static List<FieldProblem> MissingReferences(Google.Rpc.Status? status)
    {
        if (status?.GetDetail<ErrorInfo>() is not { Reason: "REFERENCE_NOT_FOUND" } info || !info.Metadata.TryGetValue("field", out var fields))
        {
            return [];
        }
        var messages = status.Message.Split("; ");
        return fields.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(field => new FieldProblem(field,
                messages.FirstOrDefault(m => m.StartsWith(field + ": ", StringComparison.Ordinal))?[(field.Length + 2)..] ?? "was not found."))
            .ToList();
    }

    // The services word these reasons for the person (e.g. "Approval needs at least one university…"); the status
    // detail is used rather than the exception's text, which adds the status code and debug information.
    private static string? ReasonOf(RpcException exception) =>
        exception.GetRpcStatus()?.Message is { Length: > 0 } message ? message : exception.Status.Detail;
}
