using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Collaboration.Shared.Identity;
using Google.Protobuf;

namespace Collaboration.Shared.Data;

/// <summary>
/// What makes two client-streamed writes "the same request" (AIP-155), built as the stream is read: the method, the
/// caller, the header message (its request_id left out) and every later message, in order, each behind its length.
/// The bytes are gathered in a 64 KB buffer and hashed a buffer at a time, so a stream of any length is never held.
/// Hand <see cref="Finish"/> to <see cref="WriteCall.ReadStreamFingerprint"/>.
/// </summary>
public sealed class StreamFingerprint : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _used;
    private byte[]? _result;

    public StreamFingerprint(string method, Caller caller, IMessage header)
    {
        _hash.AppendData(Encoding.UTF8.GetBytes($"{method}\0{caller.Subject}\0{caller.Organization}\0"));
        var copy = header.Descriptor.Parser.ParseFrom(header.ToByteArray());
        copy.Descriptor.FindFieldByName("request_id")?.Accessor.SetValue(copy, "");
        Add(copy);
    }

    public void Add(IMessage message)
    {
        if (_result is not null)
        {
            throw new InvalidOperationException("The fingerprint is already finished.");
        }
        var size = message.CalculateSize();
        if (_used + 4 + size > _buffer.Length)
        {
            Flush();
        }
        if (4 + size > _buffer.Length)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, size);
            _hash.AppendData(length);
            _hash.AppendData(message.ToByteArray());
            return;
        }
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_used), size);
        message.WriteTo(_buffer.AsSpan(_used + 4, size));
        _used += 4 + size;
    }

    private void Flush()
    {
        _hash.AppendData(_buffer.AsSpan(0, _used));
        _used = 0;
    }

    /// <summary>The digest of everything added; later calls return the same digest.</summary>
    public byte[] Finish()
    {
        if (_result is null)
        {
            Flush();
            _result = _hash.GetHashAndReset();
        }
        return _result;
    }

    public void Dispose()
    {
        _hash.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
    }
}
