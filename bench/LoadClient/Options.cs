using System.Globalization;

namespace Collaboration.Bench;

public sealed class OptionException(string message) : Exception(message);

/// <summary>"--name value" pairs; a name followed by another name (or nothing) is a flag.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new OptionException($"unexpected argument '{list[i]}'");
            }
            var name = list[i][2..];
            if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                options._values[name] = list[++i];
            }
            else
            {
                options._values[name] = "true";
            }
        }
        return options;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string Get(string name) => _values.TryGetValue(name, out var value) ? value : throw new OptionException($"--{name} is required");

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public double Number(string name) => double.Parse(Get(name), CultureInfo.InvariantCulture);

    public double Number(string name, double fallback) => Has(name) ? Number(name) : fallback;
}

public static class Output
{
    public static void Value(string key, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}\t{value:0.###}"));
}
