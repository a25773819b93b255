using System.Net.Sockets;
using Collaboration.Shared.Data;
using Npgsql;

namespace Collaboration.Shared.Tests;

public sealed class DatabaseFailuresTests
{
    private static PostgresException Postgres(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    [Theory]
    [InlineData(PostgresErrorCodes.ConnectionFailure)]          // 08006
    [InlineData(PostgresErrorCodes.SqlClientUnableToEstablishSqlConnection)] // 08001
    [InlineData(PostgresErrorCodes.TooManyConnections)]         // 53300
    [InlineData(PostgresErrorCodes.OutOfMemory)]                // 53200
    [InlineData(PostgresErrorCodes.AdminShutdown)]              // 57P01
    [InlineData(PostgresErrorCodes.CrashShutdown)]              // 57P02
    [InlineData(PostgresErrorCodes.CannotConnectNow)]           // 57P03
    [InlineData(PostgresErrorCodes.QueryCanceled)]              // 57014: statement timeout
    public void IsOutage_ServerUnavailable_True(string sqlState) => Assert.True(DatabaseFailures.IsOutage(Postgres(sqlState)));

    [Theory]
    [InlineData(PostgresErrorCodes.CharacterNotInRepertoire)]   // 22021: e.g. a NUL in text
    [InlineData(PostgresErrorCodes.UniqueViolation)]            // 23505
    [InlineData(PostgresErrorCodes.SyntaxError)]                // 42601
    [InlineData(PostgresErrorCodes.UndefinedColumn)]            // 42703
    [InlineData(PostgresErrorCodes.StringDataRightTruncation)]  // 22001
    [InlineData(PostgresErrorCodes.InsufficientPrivilege)]      // 42501
    public void IsOutage_StatementRefused_False(string sqlState) => Assert.False(DatabaseFailures.IsOutage(Postgres(sqlState)));

    [Fact]
    public void IsOutage_NoServerAnswer_True()
    {
        Assert.True(DatabaseFailures.IsOutage(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(DatabaseFailures.IsOutage(new NpgsqlException("Exception while reading from stream", new IOException("reset"))));
        Assert.True(DatabaseFailures.IsOutage(new NpgsqlException("The connection pool has been exhausted", new TimeoutException())));
        Assert.True(DatabaseFailures.IsOutage(new TimeoutException()));
    }

    [Fact]
    public void IsOutage_DriverOrCodeFault_False()
    {
        Assert.False(DatabaseFailures.IsOutage(new NpgsqlException("Received unexpected backend message")));
        Assert.False(DatabaseFailures.IsOutage(new InvalidOperationException("Connection is not open")));
        Assert.False(DatabaseFailures.IsOutage(new ArgumentException("bad parameter")));
    }
}
