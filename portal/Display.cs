using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.Portal;

/// <summary>Dates and times as the person's chosen culture writes them (the city's time zone for instants).</summary>
public static class Display
{
    private static readonly TimeZoneInfo CityTime = FindCityTime();

    public static string Date(Google.Type.Date? date) =>
        date is { Year: > 0, Month: > 0, Day: > 0 } ? new DateOnly(date.Year, date.Month, date.Day).ToString("d", CultureInfo.CurrentCulture) : "";

    public static string Time(Timestamp? time) =>
        time is null ? "" : TimeZoneInfo.ConvertTime(time.ToDateTimeOffset(), CityTime).ToString("g", CultureInfo.CurrentCulture);

    public static string Number(int value) => value.ToString("N0", CultureInfo.CurrentCulture);

    /// <summary>A date typed in an <c>input type=date</c> (ISO), as the contract's <c>google.type.Date</c>.</summary>
    public static Google.Type.Date? ToDate(DateOnly? date) =>
        date is { } d ? new Google.Type.Date { Year = d.Year, Month = d.Month, Day = d.Day } : null;

    public static DateOnly? ToDateOnly(Google.Type.Date? date) =>
        date is { Year: > 0, Month: > 0, Day: > 0 } ? new DateOnly(date.Year, date.Month, date.Day) : null;

    private static TimeZoneInfo FindCityTime()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.CreateCustomTimeZone("China Standard Time", TimeSpan.FromHours(8), "CST", "CST");
        }
    }
}
