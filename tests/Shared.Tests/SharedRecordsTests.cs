using Collaboration.Shared.Identity;

namespace Collaboration.Shared.Tests;

public sealed class SharedRecordsTests
{
    [Fact]
    public void From_KeepsOnlyCanonicalTopLevelNamesOfTheCollection_WithTheirGrantor()
    {
        var id = Guid.NewGuid();
        var shared = SharedRecords.From("labs",
        [
            ($"labs/{id}", "91430100MA4L0000X1"),
            ($"labs/{id.ToString().ToUpperInvariant()}", "91430100MA4L0000X2"),   // Get never matches a non-canonical name
            ($"labs/{id:N}", "91430100MA4L0000X3"),
            ($"labs/{id}/posts/1", "91430100MA4L0000X4"),
            ($"alliances/{id}", "91430100MA4L0000X5"),
            ("labs/not-an-id", "91430100MA4L0000X6"),
        ]);

        Assert.Equal([id], shared.Ids);
        Assert.Equal(["91430100MA4L0000X1"], shared.Owners);
    }
}
