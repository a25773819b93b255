using System.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Collaboration.Shared.Data;

/// <summary>google.type.Date ⇄ DateOnly, and DateOnly as a PostgreSQL <c>date</c> in Dapper.</summary>
public static class Dates
{
    public static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)); // the city keeps China Standard Time

    public static bool IsSet(this Google.Type.Date? date) => date is not null && (date.Year != 0 || date.Month != 0 || date.Day != 0);

    /// <summary>A full calendar date, or null when the value is not one.</summary>
    public static DateOnly? ToDateOnly(this Google.Type.Date? date)
    {
        if (date is null || date.Year is < 1 or > 9999 || date.Month is < 1 or > 12 || date.Day < 1
            || date.Day > DateTime.DaysInMonth(date.Year, date.Month))
        {
            return null;
        }
        return new DateOnly(date.Year, date.Month, date.Day);
    }

    public static Google.Type.Date ToProto(this DateOnly date) => new() { Year = date.Year, Month = date.Month, Day = date.Day };

    public static Google.Type.Date? ToProto(this DateOnly? date) => date?.ToProto();

    internal sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(IDbDataParameter parameter, DateOnly value)
        {
            parameter.Value = value;
            if (parameter is NpgsqlParameter npgsql)
            {
                npgsql.NpgsqlDbType = NpgsqlDbType.Date;
            }
        }

        public override DateOnly Parse(object value) => value switch
        {
            DateOnly d => d,
            DateTime dt => DateOnly.FromDateTime(dt),
            _ => throw new DataException($"Cannot read {value.GetType()} as a date."),
        };
    }
}
