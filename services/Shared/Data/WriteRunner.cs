using System.Security.Cryptography;
using System.Text;
using Collaboration.Shared.Caching;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Identity;
using Dapper;
using Google.Protobuf;
using Npgsql;

namespace Collaboration.Shared.Data;

/// <summary>What a write is: the method, who calls, the request (for its fingerprint) and its request id.</summary>
public sealed record WriteCall(string Method, Caller Caller, IMessage Request, string? RequestId)
{
    /// <summary>
    /// For a client-streamed write, whose request is known only once its stream has been read: reads whatever is left of
    /// the stream and returns the fingerprint of the whole request (see <see cref="StreamFingerprint"/>). Without it the
    /// fingerprint is taken from <see cref="Request"/>.
    /// </summary>
    public Func<CancellationToken, ValueTask<byte[]>>? ReadStreamFingerprint { get; init; }
}

/// <summary>
/// A write's answer and whether to keep what it wrote. An answer that is not kept rolls the transaction back and
/// records no request id, so the same id can be sent again (with a corrected request).
/// </summary>
public readonly record struct WriteOutcome<TResponse>(TResponse Response, bool Keep);

/// <summary>
/// Runs every write the same way: one transaction that records the request id (AIP-155) with the
/// change and its audit entries, and afterwards drops the changed resources from the cache.
/// A retry with the same request id returns the stored response and writes nothing; the same id
/// with a different request (or another caller) is INVALID_ARGUMENT.
/// </summary>
public sealed class WriteRunner(NpgsqlDataSource dataSource, ResourceCache cache)
{
    public Task<TResponse> RunAsync<TResponse>(WriteCall call,
        Func<NpgsqlConnection, NpgsqlTransaction, Task<TResponse>> write,
        IEnumerable<string> invalidates, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>, new() =>
        RunAsync(call, async (connection, transaction) => new WriteOutcome<TResponse>(await write(connection, transaction), Keep: true),
            invalidates, cancellationToken);

    public async Task<TResponse> RunAsync<TResponse>(WriteCall call,
        Func<NpgsqlConnection, NpgsqlTransaction, Task<WriteOutcome<TResponse>>> write,
        IEnumerable<string> invalidates, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>, new()
    {
        Guid? requestId = string.IsNullOrEmpty(call.RequestId) ? null : Guid.Parse(call.RequestId);
        // A streamed request's fingerprint is known only after the write has read the stream; it is filled in then.
        var fingerprint = requestId is null || call.ReadStreamFingerprint is not null ? [] : Fingerprint(call);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (requestId is { } id)
        {
            // A concurrent first attempt holding the same id makes this insert wait for its outcome.
            var claimed = await connection.ExecuteAsync(
                "INSERT INTO request_ids (request_id, method, fingerprint) VALUES (@id, @method, @fingerprint) ON CONFLICT (request_id) DO NOTHING",
                new { id, method = call.Method, fingerprint }, transaction);
            if (claimed == 0)
            {
                var earlier = await connection.QuerySingleAsync<(string Method, byte[] Fingerprint, byte[]? Response)>(
                    "SELECT method, fingerprint, response FROM request_ids WHERE request_id = @id", new { id }, transaction);
                if (call.ReadStreamFingerprint is { } read)
                {
                    fingerprint = await read(cancellationToken);
                }
                if (earlier.Method != call.Method || !earlier.Fingerprint.AsSpan().SequenceEqual(fingerprint) || earlier.Response is null)
                {
                    ApiErrors.InvalidArgument("request_id", "was already used for a different request; use a new UUID for a new request.");
                }
                return new MessageParser<TResponse>(() => new TResponse()).ParseFrom(earlier.Response);
            }
        }

        var (response, keep) = await write(connection, transaction);
        if (!keep)
        {
            await transaction.RollbackAsync(cancellationToken);
            return response;
        }

        if (requestId is { } used)
        {
            if (call.ReadStreamFingerprint is { } read)
            {
                fingerprint = await read(cancellationToken);
            }
            await connection.ExecuteAsync("UPDATE request_ids SET fingerprint = @fingerprint, response = @response WHERE request_id = @used",
                new { fingerprint, response = response.ToByteArray(), used }, transaction);
        }
        await transaction.CommitAsync(cancellationToken);

        foreach (var key in invalidates)
        {
            await cache.InvalidateAsync(key);
        }
        return response;
    }

    private static byte[] Fingerprint(WriteCall call)
    {
        var request = call.Request.Descriptor.Parser.ParseFrom(call.Request.ToByteArray());
        request.Descriptor.FindFieldByName("request_id")?.Accessor.SetValue(request, "");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{call.Method}\0{call.Caller.Subject}\0{call.Caller.Organization}\0"));
        hash.AppendData(request.ToByteArray());
        return hash.GetHashAndReset();
    }
}
