using Grpc.Core;

namespace Collaboration.Portal.Gateway;

/// <summary>Runs a call through the gateway and turns a service's refusal into a <see cref="ServiceProblem"/>.</summary>
public static class ServiceCalls
{
    public static async Task<ServiceProblem?> TryAsync(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (RpcException e)
        {
            return ServiceProblem.From(e);
        }
    }
}
