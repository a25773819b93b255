using Collaboration.Alliances.V1;
using Collaboration.Apprenticeships.V1;
using Collaboration.Colleges.V1;
using Collaboration.Common.V1;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Collaboration.Shared.Tests;

public sealed class RequestFieldsTests
{
    private static readonly IndustryChains Chains = IndustryChains.Embedded();

    private static Dictionary<string, string> Violations(IMessage message)
    {
        var violations = new FieldViolations();
        RequestFields.Check(message, Chains, violations);
        return violations.All.ToDictionary(v => v.Field, v => v.Description);
    }

    [Theory]
    [InlineData("plain 娄底 text")]
    [InlineData("tab\tnew line\ncarriage return\r")]
    [InlineData("a pair of surrogates: 😀")]
    [InlineData("")]
    public void CharacterProblem_StorableText_None(string text) => Assert.Null(RequestFields.CharacterProblem(text));

    [Theory]
    [InlineData("a\0b", "NUL")]
    [InlineData("bell\u0007", "U+0007")]
    [InlineData("escape\u001B[31m", "U+001B")]
    [InlineData("delete\u007F", "U+007F")]
    [InlineData("next line\u0085", "U+0085")]
    public void CharacterProblem_UnstorableText_SaysWhich(string text, string expected) =>
        Assert.Contains(expected, RequestFields.CharacterProblem(text));

    [Fact]
    public void CharacterProblem_LoneSurrogate_SaysWhich()
    {
        // Built in code: an attribute argument cannot carry a lone surrogate (it is stored as UTF-8).
        Assert.Contains("lone surrogate (U+D83D) at position 6", RequestFields.CharacterProblem("lone \uD83D!"));
        Assert.Contains("lone surrogate (U+DE00)", RequestFields.CharacterProblem("lone low \uDE00"));
        Assert.Contains("lone surrogate (U+DE00) at position 1", RequestFields.CharacterProblem("😀"[1..] + "\uD83D"));
        Assert.Contains("NUL character (U+0000) at position 5", RequestFields.CharacterProblem("😀😀\0"));
    }

    [Fact]
    public void Check_NestedRepeatedAndMapStrings_NamedByPath()
    {
        var request = new CreateIndustrialCollegeRequest
        {
            RequestId = "ok",
            IndustrialCollege = new IndustrialCollege
            {
                DisplayName = "name\0",
                HostCollege = new Organization { Name = "fine", CreditCode = "\u0001" },
                Majors = { new Major { Code = "460103" }, new Major { Code = "46\00104" } },
            },
        };
        var found = Violations(request);
        Assert.Equal(["industrial_college.display_name", "industrial_college.host_college.credit_code", "industrial_college.majors[1].code"],
            found.Keys.Order());
        Assert.Contains("NUL", found["industrial_college.display_name"]);

        var map = new Struct { Fields = { ["fine"] = Value.ForString("ok"), ["bad"] = Value.ForString("x\u0002"), ["k\0"] = Value.ForNumber(1) } };
        Assert.Equal(["fields[\"bad\"].string_value", "fields[\"k\\u0000\"]"], Violations(map).Keys.Order());

        var list = new ListValue { Values = { Value.ForString("a"), Value.ForList(Value.ForString("b"), Value.ForString("\0")) } };
        Assert.Equal(["values[1].list_value.values[1].string_value"], Violations(list).Keys);

        Assert.Equal(["paths[1]"], Violations(new FieldMask { Paths = { "display_name", "x\u0003" } }).Keys);
    }

    [Fact]
    public void Check_IndustryChainOffTheList_NamedByPath()
    {
        Assert.Equal(["alliance.industry_chain"], Violations(new CreateAllianceRequest { Alliance = new Alliance { IndustryChain = "no-such-chain" } }).Keys);
        Assert.Empty(Violations(new CreateAllianceRequest { Alliance = new Alliance { IndustryChain = "new-materials" } }));
        Assert.Empty(Violations(new CreateAllianceRequest { Alliance = new Alliance() })); // required-ness is the handler's
        Assert.Equal(["industry_chain"], Violations(new ListIndustrialCollegesRequest { IndustryChain = "no-such-chain" }).Keys);
        Assert.Equal(["industry_chain"], Violations(new ComputeLandingRatesRequest { IndustryChain = "steel" }).Keys);
    }

    [Fact]
    public void Check_UpdateMask_ChainCheckedOnlyWhenMaskedIn()
    {
        UpdateCohortRequest Update(params string[] paths) => new()
        {
            Cohort = new Cohort { Name = "cohorts/1", DisplayName = "renamed", IndustryChain = "chain-from-before-the-list" },
            UpdateMask = new FieldMask { Paths = { paths } },
        };
        Assert.Empty(Violations(Update("display_name")));
        Assert.Equal(["cohort.industry_chain"], Violations(Update("display_name", "industry_chain")).Keys);
        Assert.Equal(["cohort.industry_chain"], Violations(Update()).Keys); // an empty mask means every field set
        var masked = Update("display_name");
        masked.Cohort.DisplayName = "re\0named"; // characters are checked whatever the mask
        Assert.Equal(["cohort.display_name"], Violations(masked).Keys);
    }

    [Fact]
    public void EmbeddedChains_CarryBothNames()
    {
        Assert.True(Chains.All.Count >= 8);
        Assert.All(Chains.All, c =>
        {
            Assert.Matches("^[a-z]+(-[a-z]+)*$", c.Code);
            Assert.NotEmpty(c.Name);
            Assert.NotEmpty(c.NameEn);
        });
        Assert.Equal("钢铁新材料", Chains.Find("steel-new-materials")?.Name);
    }
}
