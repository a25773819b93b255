using Collaboration.Shared.Data;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Collaboration.Shared.Hosting;

/// <summary>
/// Turns failures a client did not cause into honest statuses: a database that is down is
/// UNAVAILABLE (retryable), a lost serialization race ABORTED, anything else (a database error
/// included) INTERNAL with a generic message, the details only in the log. Statuses thrown on purpose (RpcException) pass through untouched.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception ex) when (ex is not RpcException) { throw Translate(ex, context); }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(requestStream, context); }
        catch (Exception ex) when (ex is not RpcException) { throw Translate(ex, context); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (Exception ex) when (ex is not RpcException) { throw Translate(ex, context); }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(requestStream, responseStream, context); }
        catch (Exception ex) when (ex is not RpcException) { throw Translate(ex, context); }
    }

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled or its deadline passed."));
            case PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected }:
                return new RpcException(new Status(StatusCode.Aborted, "A concurrent change won; retry the call."));
            case PostgresException { SqlState: PostgresErrorCodes.UndefinedTable }:
                return new RpcException(new Status(StatusCode.Unavailable, "The service is still preparing its database; retry shortly."));
            case Exception when DatabaseFailures.IsOutage(exception):
                logger.LogWarning("Database unavailable in {Method}: {Message}", context.Method, exception.Message);
                return new RpcException(new Status(StatusCode.Unavailable, "The database is unavailable; retry shortly."));
            default:
                logger.LogError(exception, "Unhandled error in {Method}", context.Method);
                return new RpcException(new Status(StatusCode.Internal, "An internal error occurred."));
        }
    }
}
