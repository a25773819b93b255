using Collaboration.Shared.Errors;
using Collaboration.Shared.Paging;

namespace Collaboration.Shared.Tests;

public sealed class PageTests
{
    [Theory]
    [InlineData(0, Page.DefaultSize)]
    [InlineData(1, 1)]
    [InlineData(200, 200)]
    [InlineData(5000, Page.MaxSize)]
    public void Size_CoercesAsApiMdSays(int requested, int expected)
    {
        var violations = new FieldViolations();
        Assert.Equal(expected, Page.Size(requested, violations));
        Assert.True(violations.IsEmpty);
    }

    [Fact]
    public void Size_Negative_IsViolation()
    {
        var violations = new FieldViolations();
        Page.Size(-1, violations);
        Assert.False(violations.IsEmpty);
    }

    [Fact]
    public void Token_RoundTrips_OnlyForTheSameQuery()
    {
        var fingerprint = Page.Fingerprint("APPROVED", "steel");
        var token = Page.Token("last-key", fingerprint);

        var same = new FieldViolations();
        Assert.Equal("last-key", Page.After(token, fingerprint, same));
        Assert.True(same.IsEmpty);

        var other = new FieldViolations();
        Assert.Null(Page.After(token, Page.Fingerprint("DRAFT", "steel"), other));
        Assert.False(other.IsEmpty);
    }

    [Theory]
    [InlineData("not base64 !!")]
    [InlineData("aGVsbG8")] // "hello"
    public void After_MalformedToken_IsViolation(string token)
    {
        var violations = new FieldViolations();
        Assert.Null(Page.After(token, Page.Fingerprint(), violations));
        Assert.False(violations.IsEmpty);
    }

    [Fact]
    public void Slice_MoreRowsThanSize_GivesTokenForLastItem()
    {
        var fingerprint = Page.Fingerprint();
        var (items, next) = Page.Slice([1, 2, 3], 2, i => i.ToString(System.Globalization.CultureInfo.InvariantCulture), fingerprint);
        Assert.Equal([1, 2], items);
        Assert.Equal("2", Page.After(next, fingerprint, new FieldViolations()));

        var (all, end) = Page.Slice([1, 2], 2, i => i.ToString(System.Globalization.CultureInfo.InvariantCulture), fingerprint);
        Assert.Equal(2, all.Count);
        Assert.Equal("", end);
    }
}
