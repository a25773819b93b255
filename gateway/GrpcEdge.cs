using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Primitives;

namespace Collaboration.Gateway;

/// <summary>
/// Answers the gateway gives itself must reach gRPC clients as gRPC statuses: HTTP 200 with
/// <c>grpc-status</c> in the headers ("trailers-only"), not 401/429/502, which clients only
/// report as an unexplained INTERNAL or UNAVAILABLE.
/// </summary>
public static class GrpcEdge
{
    private static readonly StringValues GrpcContentType = "application/grpc";
    private static readonly StringValues[] StatusText = CreateStatusText();

    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } contentType && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    /// <param name="message">ASCII only: sent as is in <c>grpc-message</c>.</param>
    public static void WriteStatus(HttpResponse response, StatusCode code, string message, StringValues statusDetailsBin = default)
    {
        response.StatusCode = StatusCodes.Status200OK;
        var headers = response.Headers;
        headers.ContentType = GrpcContentType;
        headers["grpc-status"] = StatusText[(int)code];
        headers["grpc-message"] = message;
        if (!StringValues.IsNullOrEmpty(statusDetailsBin))
        {
            headers["grpc-status-details-bin"] = statusDetailsBin;
        }
    }

    /// <summary>Proxy pipeline step: a backend that cannot be reached is UNAVAILABLE to gRPC clients.</summary>
    public static async Task TranslateProxyErrorsAsync(HttpContext context, RequestDelegate next)
    {
        await next(context);
        if (context.GetForwarderErrorFeature() is not null && !context.Response.HasStarted && IsGrpc(context.Request))
        {
            WriteStatus(context.Response, StatusCode.Unavailable, "The service is not reachable.");
        }
    }

    private static StringValues[] CreateStatusText()
    {
        var text = new StringValues[(int)StatusCode.Unauthenticated + 1];
        for (var code = 0; code < text.Length; code++)
        {
            text[code] = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return text;
    }
}

/// <summary>A missing or invalid token is UNAUTHENTICATED for gRPC callers and the usual 401 for everyone else.</summary>
public sealed class GrpcAwareAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler standard = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || !GrpcEdge.IsGrpc(context.Request))
        {
            return standard.HandleAsync(next, context, policy, authorizeResult);
        }
        if (authorizeResult.Forbidden)
        {
            GrpcEdge.WriteStatus(context.Response, StatusCode.PermissionDenied, "The caller may not use this API.");
        }
        else
        {
            GrpcEdge.WriteStatus(context.Response, StatusCode.Unauthenticated, "A valid bearer token is required.");
        }
        return Task.CompletedTask;
    }
}
