using System.Globalization;
using Bunit;
using Collaboration.Portal.Components.Shared;
using Collaboration.Portal.Gateway;
using Microsoft.Extensions.DependencyInjection;

namespace Collaboration.Portal.Tests;

/// <summary>The shared components every page shows a service's answer with.</summary>
public sealed class ProblemComponentTests : BunitContext
{
    public ProblemComponentTests()
    {
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
        Services.AddRadzenComponentsForTests();
        CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = new CultureInfo("zh-CN");
    }

    private static readonly ServiceProblem Invalid = new(ProblemKind.Invalid,
        [new("alliance.display_name", "is required."), new("alliance.lead_organization.name", "is required.")], null);

    [Fact]
    public void FieldProblems_ShowsOnlyTheViolationsOfItsField()
    {
        var cut = Render<FieldProblems>(p => p.Add(c => c.Problem, Invalid).Add(c => c.Field, "alliance.display_name"));

        Assert.Equal("is required.", cut.Find("ul.field-error[data-field='alliance.display_name'] li").TextContent);
        Assert.Equal("error-alliance-display_name", cut.Find("ul").Id);
        Assert.Empty(Render<FieldProblems>(p => p.Add(c => c.Problem, Invalid).Add(c => c.Field, "alliance.short_name")).Markup.Trim());
    }

    [Fact]
    public void ProblemBanner_ListsTheViolationsTheFormHasNoFieldFor()
    {
        var cut = Render<ProblemBanner>(p => p.Add(c => c.Problem, Invalid).Add(c => c.ShownFields, ["alliance.display_name"]));

        var item = Assert.Single(cut.FindAll("li"));
        Assert.Contains("alliance.lead_organization.name", item.TextContent);
        Assert.Contains("请修改下面标出的内容", cut.Markup);
    }

    [Fact]
    public void ProblemBanner_Conflict_SaysSomeoneElseChangedIt()
    {
        var cut = Render<ProblemBanner>(p => p.Add(c => c.Problem, new ServiceProblem(ProblemKind.Conflict, [], null)));

        Assert.Contains("已有他人修改", cut.Find("[data-testid=conflict]").TextContent);
    }

    [Fact]
    public void ProblemBanner_ShowsNothing_ForAPageLevelProblem()
    {
        var cut = Render<ProblemBanner>(p => p.Add(c => c.Problem, new ServiceProblem(ProblemKind.NotFound, [], null)));

        Assert.Empty(cut.Markup.Trim());
    }

    [Fact]
    public void ProblemPage_Unavailable_OffersARetry_InTheChosenLanguage()
    {
        CultureInfo.CurrentUICulture = new CultureInfo("en");
        var cut = Render<ProblemPage>(p => p.Add(c => c.Problem, new ServiceProblem(ProblemKind.Unavailable, [], null)));

        Assert.Equal("Temporarily unavailable", cut.Find("h1").TextContent);
        Assert.NotNull(cut.Find("[data-testid=retry]"));
    }

    [Fact]
    public void ProblemPage_Denied_IsAPlainPage_WithoutARetry()
    {
        var cut = Render<ProblemPage>(p => p.Add(c => c.Problem, new ServiceProblem(ProblemKind.Denied, [], null)));

        Assert.Equal("无权操作", cut.Find("h1").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=retry]"));
    }
}

internal static class BunitServices
{
    public static IServiceCollection AddRadzenComponentsForTests(this IServiceCollection services) => Radzen.ServiceCollectionExtensions.AddRadzenComponents(services);
}
