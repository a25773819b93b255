using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;

namespace Collaboration.Gateway.Tests;

/// <summary><c>grpcurl -plaintext localhost:8080 list</c> and <c>describe</c> work through the gateway, with no token.</summary>
public sealed class ReflectionTests(GatewayFixture fixture)
{
    /// <summary>Every gRPC service the contracts declare, read from the compiled contracts (not from the gateway's list).</summary>
    private static readonly IReadOnlyList<ServiceDescriptor> ContractServices = [.. typeof(Collaboration.Alliances.V1.AllianceService).Assembly
        .GetTypes()
        .Select(type => type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static))
        .Where(property => property?.PropertyType == typeof(FileDescriptor))
        .SelectMany(property => ((FileDescriptor)property!.GetValue(null)!).Services)];

    [Fact]
    public async Task List_NamesEveryServiceOfEveryContract()
    {
        var client = fixture.Gateway.Client<ServerReflection.ServerReflectionClient>(token: null);
        using var call = client.ServerReflectionInfo(cancellationToken: TestContext.Current.CancellationToken);

        var response = await AskAsync(call, new ServerReflectionRequest { ListServices = "" });

        var listed = response.ListServicesResponse.Service.Select(s => s.Name).ToHashSet();
        Assert.NotEmpty(ContractServices);
        Assert.All(ContractServices, service => Assert.Contains(service.FullName, listed));
        await call.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task Describe_EveryService_FileDescriptorsResolveWithTheirImports()
    {
        var client = fixture.Gateway.Client<ServerReflection.ServerReflectionClient>(token: null);
        using var call = client.ServerReflectionInfo(cancellationToken: TestContext.Current.CancellationToken);
        var files = new Dictionary<string, FileDescriptorProto>();

        foreach (var service in ContractServices)
        {
            var answer = await AskAsync(call, new ServerReflectionRequest { FileContainingSymbol = service.FullName });
            Assert.True(answer.MessageResponseCase == ServerReflectionResponse.MessageResponseOneofCase.FileDescriptorResponse,
                $"{service.FullName}: {answer.ErrorResponse}");
            AddAll(files, answer.FileDescriptorResponse);
        }
        // The imports (google/api/annotations.proto, the common types, …) are resolvable by name, as grpcurl asks for them.
        while (files.Values.SelectMany(f => f.Dependency).FirstOrDefault(d => !files.ContainsKey(d)) is { } missing)
        {
            var answer = await AskAsync(call, new ServerReflectionRequest { FileByFilename = missing });
            Assert.True(answer.MessageResponseCase == ServerReflectionResponse.MessageResponseOneofCase.FileDescriptorResponse,
                $"{missing}: {answer.ErrorResponse}");
            AddAll(files, answer.FileDescriptorResponse);
        }
        await call.RequestStream.CompleteAsync();

        // What a client builds from the answers describes every method as the contract does.
        var built = FileDescriptor.BuildFromByteStrings(TopologicalOrder(files).Select(f => f.ToByteString()));
        var described = built.SelectMany(f => f.Services).ToDictionary(s => s.FullName);
        Assert.All(ContractServices, service =>
        {
            Assert.True(described.TryGetValue(service.FullName, out var answered), service.FullName);
            Assert.Equal(service.Methods.Select(m => $"{m.Name}({m.InputType.FullName}) {m.OutputType.FullName}"),
                answered.Methods.Select(m => $"{m.Name}({m.InputType.FullName}) {m.OutputType.FullName}"));
        });
    }

    private static async Task<ServerReflectionResponse> AskAsync(
        Grpc.Core.AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse> call, ServerReflectionRequest request)
    {
        await call.RequestStream.WriteAsync(request, TestContext.Current.CancellationToken);
        Assert.True(await call.ResponseStream.MoveNext(TestContext.Current.CancellationToken), "the reflection stream ended");
        return call.ResponseStream.Current;
    }

    private static void AddAll(Dictionary<string, FileDescriptorProto> files, FileDescriptorResponse response)
    {
        foreach (var bytes in response.FileDescriptorProto)
        {
            var file = FileDescriptorProto.Parser.ParseFrom(bytes);
            files[file.Name] = file;
        }
    }

    private static List<FileDescriptorProto> TopologicalOrder(Dictionary<string, FileDescriptorProto> files)
    {
        var ordered = new List<FileDescriptorProto>();
        var seen = new HashSet<string>();
        void Visit(string name)
        {
            if (seen.Add(name))
            {
                foreach (var dependency in files[name].Dependency)
                {
                    Visit(dependency);
                }
                ordered.Add(files[name]);
            }
        }
        foreach (var name in files.Keys)
        {
            Visit(name);
        }
        return ordered;
    }
}
