using Collaboration.Apprenticeships.V1;
using Collaboration.Common.V1;
using Collaboration.TestSupport;
using Google.Protobuf.WellKnownTypes;
using State = Collaboration.Apprenticeships.V1.Cohort.Types.State;

namespace Collaboration.Apprenticeships.Tests;

/// <summary>
/// Property level: an update_mask naming an output-only, input-only or ownership field is INVALID_ARGUMENT
/// on update_mask, even next to an updatable path, and nothing changes (the etag is the same on re-read).
/// </summary>
public sealed class UpdateMaskTests(CohortsFixture fixture)
{
    private readonly Actors _as = new(fixture);

    /// <summary>A patch that sets every refused field to something else, so a path that slipped through would change it.</summary>
    private Cohort Forged(Cohort cohort)
    {
        var outsider = new Organization { CreditCode = _as.Outsider, Name = "Hijack Co.", Kind = OrganizationKind.Enterprise };
        return new Cohort
        {
            Name = cohort.Name,
            Etag = cohort.Etag,
            DisplayName = "Renamed alongside a refused path",
            Kind = Cohort.Types.Kind.Apprenticeship,
            College = outsider,
            Sponsors = { new Sponsor { Organization = outsider, JoinedDate = new Google.Type.Date { Year = 2025, Month = 1, Day = 1 } } },
            State = State.Approved,
            StateReason = "forged",
            EnrolledCount = 99,
            CreateTime = Timestamp.FromDateTime(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
            UpdateTime = Timestamp.FromDateTime(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
        };
    }

    [Theory]
    [InlineData("name")]
    [InlineData("etag")]
    [InlineData("state")]
    [InlineData("state_reason")]
    [InlineData("enrolled_count")]
    [InlineData("create_time")]
    [InlineData("update_time")]
    [InlineData("college")]
    [InlineData("college.credit_code")]
    [InlineData("college.name")]
    [InlineData("sponsors")]
    [InlineData("sponsors.organization.credit_code")]
    [InlineData("kind")]
    [InlineData("no_such_field")]
    public async Task UpdateCohort_OutputOnlyOrOwnershipPathInMask_InvalidArgument_CohortUnchanged(string path)
    {
        var cohort = await _as.CreateAsync(twoSponsors: true);

        foreach (var client in new[] { _as.CollegeClient, _as.SponsorClient })
        {
            var error = await GrpcAssert.InvalidFields(() => client.UpdateCohortAsync(new UpdateCohortRequest
            {
                Cohort = Forged(cohort), UpdateMask = Actors.Mask("display_name", path),
            }).ResponseAsync, "update_mask");
            Assert.Contains(error.FieldViolations, v => v.Description.Contains($"'{path}'", StringComparison.Ordinal));
        }

        var after = await _as.CollegeClient.GetCohortAsync(new GetCohortRequest { Name = cohort.Name });
        Assert.Equal(cohort.Etag, after.Etag);
        Assert.Equal(cohort, after);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("etag")]
    [InlineData("state")]
    [InlineData("student_number")]
    [InlineData("identity_number")]
    [InlineData("masked_identity_number")]
    [InlineData("sponsor_credit_code")]
    [InlineData("create_time")]
    [InlineData("update_time")]
    [InlineData("no_such_field")]
    public async Task UpdateEnrolment_OutputOnlyOrOwnershipPathInMask_InvalidArgument_EnrolmentUnchanged(string path)
    {
        var cohort = await _as.RecruitingAsync(twoSponsors: true);
        var enrolment = await _as.CollegeClient.CreateEnrolmentAsync(new CreateEnrolmentRequest
        {
            Parent = cohort.Name,
            Enrolment = new Enrolment { StudentNumber = "P0001", DisplayName = "Learner P", IdentityNumber = Identities.New(), CollegeMentor = "Teacher Li" },
        });
        var forged = new Enrolment
        {
            Name = enrolment.Name,
            Etag = enrolment.Etag,
            StudentNumber = "P9999",
            DisplayName = "Renamed alongside a refused path",
            IdentityNumber = Identities.New(),
            MaskedIdentityNumber = "**************0000",
            State = Enrolment.Types.State.Completed,
            SponsorCreditCode = _as.Sponsor2,
            CreateTime = Timestamp.FromDateTime(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
            UpdateTime = Timestamp.FromDateTime(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
        };

        var error = await GrpcAssert.InvalidFields(() => _as.CollegeClient.UpdateEnrolmentAsync(new UpdateEnrolmentRequest
        {
            Enrolment = forged, UpdateMask = Actors.Mask("display_name", path),
        }).ResponseAsync, "update_mask");
        Assert.Contains(error.FieldViolations, v => v.Description.Contains($"'{path}'", StringComparison.Ordinal));
        forged.DisplayName = "";
        forged.EnterpriseMentor = "Master Forged";
        await GrpcAssert.InvalidFields(() => _as.SponsorClient.UpdateEnrolmentAsync(new UpdateEnrolmentRequest
        {
            Enrolment = forged, UpdateMask = Actors.Mask("enterprise_mentor", path),
        }).ResponseAsync, "update_mask");

        var after = await _as.CollegeClient.GetEnrolmentAsync(new GetEnrolmentRequest { Name = enrolment.Name });
        Assert.Equal(enrolment.Etag, after.Etag);
        Assert.Equal(enrolment, after);
    }
}
