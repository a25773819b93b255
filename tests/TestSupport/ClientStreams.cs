using Grpc.Core;

namespace Collaboration.TestSupport;

/// <summary>How a client sends a client stream and reads the server's verdict.</summary>
public static class ClientStreams
{
    /// <summary>
    /// Writes every message, completes the stream and returns the response. A server may answer (a refusal, say) before
    /// it has read the whole stream; a write still in flight then fails, and, depending on which of the client's
    /// tasks sees the end of the call first, with CANCELLED rather than the server's status. So when a write fails the
    /// call's own outcome is awaited: the status the server sent, or the write's error when the server sent none.
    /// </summary>
    public static async Task<TResponse> SendAsync<TRequest, TResponse>(AsyncClientStreamingCall<TRequest, TResponse> call,
        IEnumerable<TRequest> messages)
    {
        try
        {
            foreach (var message in messages)
            {
                await call.RequestStream.WriteAsync(message);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // Throws the server's status when it answered; returns only when it answered with a response.
            await call.ResponseAsync;
            throw;
        }
        return await call.ResponseAsync;
    }
}
