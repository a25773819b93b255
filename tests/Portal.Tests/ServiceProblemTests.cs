using Collaboration.Portal.Gateway;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Collaboration.Portal.Tests;

/// <summary>The one mapping from a service's status to what a page shows.</summary>
public sealed class ServiceProblemTests
{
    internal static RpcException Rpc(Code code, string message, params Google.Protobuf.IMessage[] details)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        status.Details.AddRange(details.Select(Any.Pack));
        return status.ToRpcException();
    }

    [Fact]
    public void InvalidArgument_KeepsEachFieldViolation_ForTheFieldItNames()
    {
        var problem = ServiceProblem.From(Rpc(Code.InvalidArgument, "bad", new BadRequest
        {
            FieldViolations =
            {
                new BadRequest.Types.FieldViolation { Field = "alliance.display_name", Description = "is required." },
                new BadRequest.Types.FieldViolation { Field = "alliance.founded_date", Description = "must not be in the future." },
            },
        }));

        Assert.Equal(ProblemKind.Invalid, problem.Kind);
        Assert.False(problem.IsPageLevel);
        Assert.Equal(["is required."], problem.For("alliance.display_name"));
        Assert.Equal(["must not be in the future."], problem.For("alliance.founded_date"));
        Assert.Equal("alliance.founded_date", Assert.Single(problem.NotIn(["alliance.display_name"])).Field);
    }

    [Fact]
    public void UnknownOrganisation_NotFound_IsShownNextToTheFieldThatNamedIt_NotAsAMissingPage()
    {
        var problem = ServiceProblem.From(Rpc(Code.NotFound,
            "member.organization.credit_code: organizations/91431300MA4QE8N10X was not found.",
            new ErrorInfo { Reason = "REFERENCE_NOT_FOUND", Metadata = { ["field"] = "member.organization.credit_code" } }));

        Assert.Equal(ProblemKind.Invalid, problem.Kind);
        Assert.Equal(["organizations/91431300MA4QE8N10X was not found."], problem.For("member.organization.credit_code"));
    }

    [Theory]
    [InlineData(StatusCode.NotFound, ProblemKind.NotFound, 404)]
    [InlineData(StatusCode.PermissionDenied, ProblemKind.Denied, 403)]
    [InlineData(StatusCode.Unavailable, ProblemKind.Unavailable, 503)]
    [InlineData(StatusCode.DeadlineExceeded, ProblemKind.Unavailable, 503)]
    [InlineData(StatusCode.Unauthenticated, ProblemKind.SignInRequired, 401)]
    [InlineData(StatusCode.Internal, ProblemKind.Failed, 500)]
    public void PageLevelStatuses_BecomeAPlainPage_WithNoDetailOfTheService(StatusCode code, ProblemKind kind, int httpStatus)
    {
        var problem = ServiceProblem.From(new RpcException(new Grpc.Core.Status(code,
            "Error connecting to subchannel 10.1.2.3:5001 at Npgsql.NpgsqlConnection.Open()")));

        Assert.Equal(kind, problem.Kind);
        Assert.True(problem.IsPageLevel);
        Assert.Equal(httpStatus, problem.HttpStatus);
        Assert.Null(problem.Reason);
        Assert.Empty(problem.Violations);
    }

    [Fact]
    public void Aborted_IsAConflictOnTheForm_NotAPage()
    {
        var problem = ServiceProblem.From(new RpcException(new Grpc.Core.Status(StatusCode.Aborted, "alliances/x has changed (stale etag)")));

        Assert.Equal(ProblemKind.Conflict, problem.Kind);
        Assert.False(problem.IsPageLevel);
        Assert.Null(problem.Reason);
    }

    [Fact]
    public void FailedPrecondition_CarriesTheServicesReason()
    {
        var problem = ServiceProblem.From(Rpc(Code.FailedPrecondition, "Approval needs at least one university or research institute among the current members.",
            new ErrorInfo { Reason = "MEMBERSHIP_INCOMPLETE" }));

        Assert.Equal(ProblemKind.Refused, problem.Kind);
        Assert.Equal("Approval needs at least one university or research institute among the current members.", problem.Reason);
    }
}
