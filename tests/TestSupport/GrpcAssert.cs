using Google.Rpc;
using Grpc.Core;
using Xunit;

namespace Collaboration.TestSupport;

/// <summary>Assertions on the error model every service shares.</summary>
public static class GrpcAssert
{
    public static async Task<RpcException> Status(StatusCode expected, Func<Task> call)
    {
        var exception = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == exception.StatusCode, $"expected {expected}, got {exception.StatusCode}: {exception.Status.Detail}");
        return exception;
    }

    /// <summary>
    /// NOT_FOUND for organisations the directory does not know: the shared REFERENCE_NOT_FOUND ErrorInfo names exactly
    /// these request fields (in request order), and so does the message.
    /// </summary>
    public static async Task<RpcException> ReferencesNotFound(Func<Task> call, params string[] fields)
    {
        var exception = await Status(StatusCode.NotFound, call);
        var info = exception.GetRpcStatus()?.GetDetail<ErrorInfo>();
        Assert.NotNull(info);
        Assert.Equal("REFERENCE_NOT_FOUND", info.Reason);
        Assert.Equal(string.Join(',', fields), info.Metadata["field"]);
        foreach (var field in fields)
        {
            Assert.Contains(field, exception.Status.Detail, StringComparison.Ordinal);
        }
        return exception;
    }

    /// <summary>INVALID_ARGUMENT whose BadRequest names exactly these fields (in any order).</summary>
    public static async Task<BadRequest> InvalidFields(Func<Task> call, params string[] fields)
    {
        var exception = await Status(StatusCode.InvalidArgument, call);
        var badRequest = exception.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Equal(fields.Order(), badRequest.FieldViolations.Select(v => v.Field).Distinct().Order());
        return badRequest;
    }
}
