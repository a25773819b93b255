using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Npgsql;

namespace Collaboration.Apprenticeships.Data;

/// <summary>
/// Enrolment rows in PostgreSQL's binary COPY format (a header, then per row a field count and each field as a
/// length and its bytes, then -1), gathered in a 64 KB buffer and sent to the raw COPY stream a buffer at a time:
/// the same bytes the binary importer sends, without its per-value parameter binding.
/// </summary>
public sealed class EnrolmentCopy : IDisposable
{
    /// <summary>The columns, in the order <see cref="AddAsync"/> writes them.</summary>
    public const string Sql =
        """
        COPY enrolments (id, cohort_id, college_code, student_number, display_name, identity_hash, identity_last4, state,
            college_mentor, enterprise_mentor, sponsor_code) FROM STDIN (FORMAT BINARY)
        """;

    private static readonly byte[] Signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0];
    private const short Fields = 11;
    private readonly NpgsqlRawCopyStream _stream;
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _used;

    /// <summary>Starts the COPY on the connection; end it with <see cref="CompleteAsync"/> or abandon it by cancelling the stream.</summary>
    public static async Task<EnrolmentCopy> BeginAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        new(await connection.BeginRawBinaryCopyAsync(Sql, cancellationToken));

    /// <summary>Abandons the COPY (nothing of it is written); the transaction is to be rolled back.</summary>
    public Task CancelAsync() => _stream.CancelAsync();

    private EnrolmentCopy(NpgsqlRawCopyStream stream)
    {
        _stream = stream;
        Signature.CopyTo(_buffer, 0);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(Signature.Length), 0); // flags
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(Signature.Length + 4), 0); // header extension length
        _used = Signature.Length + 8;
    }

    public async ValueTask AddAsync(Guid id, Guid cohortId, string college, string studentNumber, string displayName, byte[] identityHash,
        string identityLast4, short state, string collegeMentor, string enterpriseMentor, string sponsor, CancellationToken cancellationToken)
    {
        var most = 2 + Fields * 4 + 16 + 16 + identityHash.Length + 2 + Encoding.UTF8.GetMaxByteCount(
            college.Length + studentNumber.Length + displayName.Length + identityLast4.Length + collegeMentor.Length + enterpriseMentor.Length + sponsor.Length);
        if (_used + most > _buffer.Length)
        {
            await FlushAsync(cancellationToken);
            if (most > _buffer.Length)
            {
                throw new InvalidOperationException($"A roster row of up to {most} bytes does not fit the COPY buffer.");
            }
        }
        var row = _buffer.AsSpan(_used);
        BinaryPrimitives.WriteInt16BigEndian(row, Fields);
        var at = 2;
        at += Uuid(row[at..], id);
        at += Uuid(row[at..], cohortId);
        at += Text(row[at..], college);
        at += Text(row[at..], studentNumber);
        at += Text(row[at..], displayName);
        BinaryPrimitives.WriteInt32BigEndian(row[at..], identityHash.Length);
        identityHash.CopyTo(row[(at + 4)..]);
        at += 4 + identityHash.Length;
        at += Text(row[at..], identityLast4);
        BinaryPrimitives.WriteInt32BigEndian(row[at..], 2);
        BinaryPrimitives.WriteInt16BigEndian(row[(at + 4)..], state);
        at += 6;
        at += Text(row[at..], collegeMentor);
        at += Text(row[at..], enterpriseMentor);
        at += Text(row[at..], sponsor);
        _used += at;
    }

    private static int Uuid(Span<byte> span, Guid value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, 16);
        value.TryWriteBytes(span[4..], bigEndian: true, out _);
        return 20;
    }

    private static int Text(Span<byte> span, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        return 4 + length;
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(_buffer.AsMemory(0, _used), cancellationToken);
        _used = 0;
    }

    /// <summary>Sends the trailer and ends the COPY; a refusal by the database (a unique index) is thrown here.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_used + 2 > _buffer.Length)
        {
            await FlushAsync(cancellationToken);
        }
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_used), -1);
        _used += 2;
        await FlushAsync(cancellationToken);
        await _stream.DisposeAsync();
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
}
