using Collaboration.Apprenticeships.V1;
using Collaboration.Shared.Data;
using Collaboration.Shared.Errors;
using Grpc.Core;

namespace Collaboration.Talent.Data;

/// <summary>
/// The supply side, read over gRPC from the Apprenticeship Classes service (TrainingSupplyService), with the caller's own
/// bearer token: the city-wide figures are for the city's admins there as here, so the admin who compiles is the one who
/// reads, the other service's audit and rate limits see that person, and no machine credential has to be issued, stored
/// or rotated for Talent. The deadline is the caller's (at most <see cref="MaxWait"/>). That service down, slow or
/// failing is UNAVAILABLE here: the figures are never computed without their supply.
/// </summary>
public sealed class TrainingSupplyReader(TrainingSupplyService.TrainingSupplyServiceClient client)
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    public async Task<IReadOnlyDictionary<(string Occupation, string Chain), TrainingSupplyGroup>> ReadAsync(ServerCallContext context, DateOnly asOf,
        string occupationCode = "", string industryChain = "")
    {
        var headers = new Metadata();
        if (context.RequestHeaders.GetValue("authorization") is { } authorization)
        {
            headers.Add("authorization", authorization);
        }
        var deadline = DateTime.UtcNow + MaxWait;
        if (context.Deadline < deadline)
        {
            deadline = context.Deadline;
        }
        try
        {
            var response = await client.SummarizeTrainingSupplyAsync(
                new SummarizeTrainingSupplyRequest { AsOf = asOf.ToProto(), OccupationCode = occupationCode, IndustryChain = industryChain },
                headers, deadline, context.CancellationToken);
            return response.Groups.ToDictionary(g => (g.OccupationCode, g.IndustryChain));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated)
        {
            ApiErrors.PermissionDenied("The training supply is read with the caller's own rights, and the Apprenticeship Classes service refused them.");
            throw;
        }
        catch (RpcException ex) when (ex.StatusCode is not (StatusCode.InvalidArgument or StatusCode.Cancelled))
        {
            ApiErrors.Unavailable($"The Apprenticeship Classes service, which reports the training supply, cannot be read now ({ex.StatusCode}); nothing was computed. Retry later.");
            throw;
        }
        catch (HttpRequestException)
        {
            ApiErrors.Unavailable("The Apprenticeship Classes service, which reports the training supply, cannot be reached now; nothing was computed. Retry later.");
            throw;
        }
    }
}
