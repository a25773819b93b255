using System.Xml.Linq;

namespace Collaboration.Portal.Tests;

public sealed class ResourceTests
{
    private static Dictionary<string, string> Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "portal", "Resources", file);
        return XDocument.Load(path).Root!.Elements("data")
            .ToDictionary(d => d.Attribute("name")!.Value, d => d.Element("value")?.Value ?? "");
    }

    [Fact]
    public void EveryString_HasAChineseAndAnEnglishText()
    {
        var english = Load("Strings.resx");
        var chinese = Load("Strings.zh-CN.resx");

        Assert.Equal(english.Keys.Order(), chinese.Keys.Order());
        Assert.All(english, e => Assert.False(string.IsNullOrWhiteSpace(e.Value), e.Key));
        Assert.All(chinese, e => Assert.False(string.IsNullOrWhiteSpace(e.Value), e.Key));
    }
}
