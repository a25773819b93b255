using Collaboration.Shared.Errors;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Collaboration.Shared.Hosting;

/// <summary>
/// Holds every request of every method (gRPC and JSON transcoding alike, and each message of a client stream)
/// to <see cref="RequestFields"/> before the handler sees it: INVALID_ARGUMENT with a field violation per bad field.
/// </summary>
public sealed class RequestValidationInterceptor(IndustryChains chains) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request, null);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CheckedReader<TRequest>(requestStream, this), context);

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(request, null);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CheckedReader<TRequest>(requestStream, this), responseStream, context);

    private void Check(object? request, int? streamMessage)
    {
        if (request is not IMessage message)
        {
            return;
        }
        var violations = new FieldViolations();
        RequestFields.Check(message, chains, violations);
        if (violations.IsEmpty)
        {
            return;
        }
        if (streamMessage is { } number)
        {
            foreach (var violation in violations.All)
            {
                violation.Description = $"{violation.Description} (message {number} of the stream)";
            }
        }
        violations.ThrowIfAny();
    }

    private sealed class CheckedReader<T>(IAsyncStreamReader<T> inner, RequestValidationInterceptor owner) : IAsyncStreamReader<T>
    {
        private int _count;

        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
            {
                return false;
            }
            owner.Check(inner.Current, ++_count);
            return true;
        }
    }
}
