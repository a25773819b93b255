using System.Text.Json;
using Collaboration.IndustrialColleges.Model;
using Collaboration.Shared.Validation;

namespace Collaboration.IndustrialColleges.Tests;

/// <summary>The demo data obeys the rules the service enforces, so a loader walking it through the API never trips.</summary>
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

    [Fact]
    public void IndustrialColleges_SeedsFollowTheRules()
    {
        var organizations = Load("organizations.json").GetProperty("organizations").EnumerateArray()
            .ToDictionary(o => o.GetProperty("creditCode").GetString()!, o => o.GetProperty("kind").GetString()!);
        var colleges = Load("industrial-colleges.json").GetProperty("industrialColleges").EnumerateArray().ToList();
        Assert.True(colleges.Count >= 3);
        foreach (var college in colleges)
        {
            Assert.Contains(organizations[college.GetProperty("host").GetString()!], new[] { "vocational_college", "university" });
            Assert.True(college.GetProperty("annualEnrolmentCapacity").GetInt32() > 0);
            var year = college.GetProperty("majorCatalogueYear").GetInt32();
            var majors = college.GetProperty("majors").EnumerateArray().Select(m => m.GetString()!).ToHashSet();
            Assert.All(majors, code => Assert.Null(Catalogue.Check(year, code)));
            var partners = college.GetProperty("partners").EnumerateArray().Select(p => p.GetProperty("organization").GetString()!).ToHashSet();
            Assert.NotEmpty(partners);
            Assert.All(partners, code => { Assert.True(CreditCode.IsValid(code)); Assert.Equal("enterprise", organizations[code]); });
            foreach (var kind in new[] { "courses", "trainingBases", "mentors" })
            {
                Assert.All(college.GetProperty(kind).EnumerateArray(), item => Assert.Contains(item.GetProperty("enterprise").GetString()!, partners));
            }
            Assert.All(college.GetProperty("courses").EnumerateArray(),
                course => Assert.Subset(majors, course.GetProperty("majorCodes").EnumerateArray().Select(m => m.GetString()!).ToHashSet()));
            var reports = college.GetProperty("reports").EnumerateArray().ToList();
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
