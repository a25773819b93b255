using Npgsql;

namespace Collaboration.Shared.Data;

/// <summary>
/// Tells a database that is down (UNAVAILABLE: the client may retry) from a database that refused a statement
/// (a fault of ours: INTERNAL, never retried forever by a client).
/// </summary>
public static class DatabaseFailures
{
    /// <summary>
    /// True for a failed or lost connection, a timeout, a server shutting down or refusing connections, and too many
    /// connections or too few resources; false for every other database error.
    /// </summary>
    public static bool IsOutage(Exception exception) => exception switch
    {
        PostgresException postgres => IsOutage(postgres.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient, // no server answer: socket, stream or pool timeout
        TimeoutException => true,
        _ => false,
    };

    /// <summary>SQLSTATE classes 08 (connection), 53 (insufficient resources, too many connections), 57P0x (shutdown,
    /// cannot connect now, database dropped) and 57014 (statement timeout).</summary>
    public static bool IsOutage(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState.StartsWith("57P0", StringComparison.Ordinal)
        || sqlState == PostgresErrorCodes.QueryCanceled;
}
