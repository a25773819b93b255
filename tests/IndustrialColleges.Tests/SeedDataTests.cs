using System.Text.Json;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Validation;

namespace Collaboration.IndustrialColleges.Tests;

/// <summary>
/// The demo data obeys the rules the service enforces, so a loader walking it through the API never trips. The seeds list
/// each college's calls; this reads what those calls send (the EndToEnd fixture walks them against the running services).
/// </summary>
public sealed class SeedDataTests
{
    private static readonly MajorCatalogue Catalogue = MajorCatalogue.Embedded();

    private static JsonElement Load(string file)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "seeds", "data", file)))
        {
            directory = directory.Parent;
        }
        Assert.NotNull(directory);
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "seeds", "data", file))).RootElement;
    }

    /// <summary>The bodies of a record's calls to <paramref name="method"/>, the named part of each.</summary>
    private static List<JsonElement> Sent(JsonElement record, string method, string part) =>
        record.GetProperty("steps").EnumerateArray().Where(s => s.TryGetProperty("call", out var call) && call.GetString() == method)
            .Select(s => s.GetProperty("body").GetProperty(part)).ToList();

    /// <summary>"${org:CODE}" → CODE.</summary>
    private static string Code(JsonElement organization) => organization.GetString()!["${org:".Length..^1];

    [Fact]
    public void IndustrialColleges_SeedsFollowTheRules()
    {
        var organizations = Load("organizations.json").GetProperty("organizations").EnumerateArray()
            .ToDictionary(o => o.GetProperty("creditCode").GetString()!, o => o.GetProperty("kind").GetString()!);
        var colleges = Load("industrial-colleges.json").GetProperty("records").EnumerateArray().ToList();
        Assert.True(colleges.Count >= 3);
        foreach (var record in colleges)
        {
            var college = Assert.Single(Sent(record, "CreateIndustrialCollege", "industrialCollege"));
            Assert.Contains(organizations[Code(college.GetProperty("hostCollege"))], new[] { "vocational_college", "university" });
            Assert.True(college.GetProperty("annualEnrolmentCapacity").GetInt32() > 0);
            var year = college.GetProperty("majorCatalogueYear").GetInt32();
            var majors = college.GetProperty("majors").EnumerateArray().Select(m => m.GetProperty("code").GetString()!).ToHashSet();
            Assert.All(majors, code => Assert.Null(Catalogue.Check(year, code)));
            var partners = Sent(record, "AddPartner", "partner").Select(p => Code(p.GetProperty("organization"))).ToHashSet();
            Assert.NotEmpty(partners);
            Assert.All(partners, code => { Assert.True(CreditCode.IsValid(code)); Assert.Equal("enterprise", organizations[code]); });
            // An invitation counts for nothing until accepted: each invited enterprise accepts, as itself, right after.
            var steps = record.GetProperty("steps").EnumerateArray().ToList();
            for (var i = 0; i < steps.Count; i++)
            {
                if (steps[i].GetProperty("call").GetString() != "AddPartner")
                {
                    continue;
                }
                var invited = Code(steps[i].GetProperty("body").GetProperty("partner").GetProperty("organization"));
                var accept = steps[i + 1];
                Assert.Equal("AcceptPartner", accept.GetProperty("call").GetString());
                Assert.Equal(invited, accept.GetProperty("as").GetString());
                Assert.Equal($"${{{steps[i].GetProperty("save").GetString()}.name}}", accept.GetProperty("body").GetProperty("name").GetString());
            }
            foreach (var (method, part) in new[] { ("CreateCourse", "course"), ("CreateTrainingBase", "trainingBase"), ("CreateMentor", "mentor") })
            {
                Assert.All(Sent(record, method, part), item => Assert.Contains(item.GetProperty("enterpriseCreditCode").GetString()!, partners));
            }
            Assert.All(Sent(record, "CreateCourse", "course"),
                course => Assert.Subset(majors, course.GetProperty("majorCodes").EnumerateArray().Select(m => m.GetString()!).ToHashSet()));
            var reports = Sent(record, "CreateReport", "report");
            var enrolment = reports.ToDictionary(r => r.GetProperty("year").GetInt32(), r => r.GetProperty("enrolment").GetInt32());
            foreach (var report in reports)
            {
                var figures = new ReportFigures(report.GetProperty("year").GetInt32(), report.GetProperty("enrolment").GetInt32(),
                    report.GetProperty("graduates").GetInt32(), report.GetProperty("graduatesCohortYear").GetInt32(),
                    report.GetProperty("coursesDelivered").GetInt32(), report.GetProperty("coDevelopedCoursesDelivered").GetInt32(),
                    report.GetProperty("mentorHours").GetInt32(), report.GetProperty("traineesHosted").GetInt32());
                Assert.Empty(ReportRules.Check(figures, DateTime.UtcNow.Year));
                Assert.Null(ReportRules.CheckGraduates(figures.Graduates, figures.CohortYear, enrolment.GetValueOrDefault(figures.CohortYear)));
            }
        }
    }
}
