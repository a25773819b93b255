using System.Diagnostics.CodeAnalysis;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Collaboration.Shared.Errors;

/// <summary>The one place that turns a refusal into a gRPC status of the shape API.md describes.</summary>
public static class ApiErrors
{
    public const string ErrorDomain = "collaboration.city";

    [DoesNotReturn]
    public static void NotFound(string resourceName) =>
        throw Build(Code.NotFound, $"{resourceName} was not found.");

    /// <summary>
    /// NOT_FOUND for something a request refers to (e.g. a credit code the organisation directory does not
    /// know), naming the request field so a client can point at it: in the message and as
    /// <c>ErrorInfo</c> metadata <c>field</c> (reason <c>REFERENCE_NOT_FOUND</c>).
    /// </summary>
    [DoesNotReturn]
    public static void ReferenceNotFound(string field, string resourceName) => ReferencesNotFound([(field, resourceName)]);

    /// <summary>Every unknown reference of a request at once; <c>field</c> metadata lists the fields, comma-separated, in request order.</summary>
    [DoesNotReturn]
    public static void ReferencesNotFound(IReadOnlyList<(string Field, string ResourceName)> references) =>
        throw Build(Code.NotFound, string.Join("; ", references.Select(r => $"{r.Field}: {r.ResourceName} was not found.")),
            new ErrorInfo
            {
                Reason = "REFERENCE_NOT_FOUND", Domain = ErrorDomain,
                Metadata = { ["field"] = string.Join(',', references.Select(r => r.Field)), ["resource"] = string.Join(',', references.Select(r => r.ResourceName)) },
            });

    [DoesNotReturn]
    public static void PermissionDenied(string message) =>
        throw Build(Code.PermissionDenied, message);

    [DoesNotReturn]
    public static void Unauthenticated(string message) =>
        throw Build(Code.Unauthenticated, message);

    [DoesNotReturn]
    public static void AlreadyExists(string message) =>
        throw Build(Code.AlreadyExists, message);

    [DoesNotReturn]
    public static void StaleEtag(string resourceName) =>
        throw Build(Code.Aborted, $"{resourceName} has changed since it was read (stale etag); read it again and retry.");

    /// <summary>ABORTED for a write that lost to a concurrent one and changed nothing; the client sends it again.</summary>
    [DoesNotReturn]
    public static void Aborted(string reason, string message) =>
        throw Build(Code.Aborted, message, new ErrorInfo { Reason = reason, Domain = ErrorDomain });

    /// <summary>ABORTED when the client sent an etag (AIP-154) that is no longer the resource's.</summary>
    public static void CheckEtag(string? requested, string current, string resourceName)
    {
        if (!string.IsNullOrEmpty(requested) && requested != current)
        {
            StaleEtag(resourceName);
        }
    }

    [DoesNotReturn]
    public static void Unavailable(string message) =>
        throw Build(Code.Unavailable, message);

    /// <summary>FAILED_PRECONDITION for an act the current state does not allow; names the state.</summary>
    [DoesNotReturn]
    public static void InvalidState(string resourceName, string action, string state) =>
        throw Build(Code.FailedPrecondition, $"{action} is not allowed while {resourceName} is {state}.",
            new ErrorInfo { Reason = "INVALID_STATE", Domain = ErrorDomain, Metadata = { ["state"] = state, ["action"] = action } });

    /// <summary>FAILED_PRECONDITION for a business rule that is not met (the message says which).</summary>
    [DoesNotReturn]
    public static void FailedPrecondition(string reason, string message) =>
        throw Build(Code.FailedPrecondition, message, new ErrorInfo { Reason = reason, Domain = ErrorDomain });

    [DoesNotReturn]
    public static void InvalidArgument(string field, string description) =>
        throw InvalidArgument([new BadRequest.Types.FieldViolation { Field = field, Description = description }]);

    public static RpcException InvalidArgument(IReadOnlyCollection<BadRequest.Types.FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations);
        var summary = violations.Count == 1
            ? $"{violations.First().Field}: {violations.First().Description}"
            : $"{violations.Count} fields are invalid; see the field violations.";
        return Build(Code.InvalidArgument, summary, badRequest);
    }

    public static RpcException ResourceExhausted(string message, TimeSpan retryAfter) =>
        Build(Code.ResourceExhausted, message, new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) });

    private static RpcException Build(Code code, string message, params Google.Protobuf.IMessage[] details)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        foreach (var detail in details)
        {
            status.Details.Add(Any.Pack(detail));
        }
        return status.ToRpcException();
    }
}
