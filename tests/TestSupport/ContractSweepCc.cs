using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;
using Xunit;

namespace Collaboration.TestSupport;

/// <summary>
/// Sweeps driven by the contracts: which methods a rule applies to comes from the service descriptor,
/// and calls go through the descriptor too, so a new or renamed method or request message needs no new plumbing.
/// </summary>
public static class ContractSweepCc
{
    /// <summary>
    /// The methods whose request carries <paramref name="field"/>, with its path: at the top of the request, or one message
    /// down where the request wraps its payload (the resource of an Update, the header of a client stream).
    /// </summary>
    public static IReadOnlyDictionary<string, string> MethodsWithField(ServiceDescriptor service, string field)
    {
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var method in service.Methods)
        {
            var input = method.InputType;
            if (input.FindFieldByName(field) is not null)
            {
                found[method.Name] = field;
                continue;
            }
            if (!method.IsClientStreaming && input.FindFieldByName("update_mask") is null)
            {
                continue;
            }
            foreach (var wrapper in input.Fields.InDeclarationOrder())
            {
                if (wrapper.FieldType == FieldType.Message && !wrapper.IsRepeated && wrapper.MessageType.FindFieldByName(field) is not null)
                {
                    found[method.Name] = $"{wrapper.Name}.{field}";
                    break;
                }
            }
        }
        return found;
    }

    /// <summary>Fails naming every method of the contract that has no scenario (and every scenario that names no such method).</summary>
    public static void AssertEveryMethodCovered(string rule, IEnumerable<string> methods, IEnumerable<string> scenarios)
    {
        var wanted = methods.ToHashSet(StringComparer.Ordinal);
        var have = scenarios.ToHashSet(StringComparer.Ordinal);
        var missing = wanted.Except(have).Order(StringComparer.Ordinal).ToList();
        var unknown = have.Except(wanted).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"{rule}: no scenario for {string.Join(", ", missing)}");
        Assert.True(unknown.Count == 0, $"{rule}: scenarios for methods the contract does not give this rule: {string.Join(", ", unknown)}");
    }

    /// <summary>A request for <paramref name="method"/> from an object serialised as proto JSON (field names as in the .proto or lowerCamel).</summary>
    public static IMessage Request(MethodDescriptor method, object fields) =>
        JsonParser.Default.Parse(JsonSerializer.Serialize(fields), method.InputType);

    public static object? Get(IMessage message, string path)
    {
        object? current = message;
        foreach (var part in path.Split('.'))
        {
            if (current is not IMessage m)
            {
                return null;
            }
            current = m.Descriptor.FindFieldByName(part)?.Accessor.GetValue(m);
        }
        return current;
    }

    /// <summary>Sets a scalar at a dotted path, creating the messages on the way.</summary>
    public static void Set(IMessage message, string path, object value)
    {
        var parts = path.Split('.');
        var current = message;
        foreach (var part in parts[..^1])
        {
            var field = current.Descriptor.FindFieldByName(part);
            if (field.Accessor.GetValue(current) is not IMessage next)
            {
                next = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                field.Accessor.SetValue(current, next);
            }
            current = next;
        }
        current.Descriptor.FindFieldByName(parts[^1]).Accessor.SetValue(current, value);
    }

    public static string Json(IMessage message) => JsonFormatter.Default.Format(message);

    /// <summary>INVALID_ARGUMENT whose BadRequest names <paramref name="field"/>.</summary>
    public static async Task<RpcException> AssertFieldRefused(string field, Func<Task> call, string because)
    {
        RpcException? refused = null;
        try
        {
            await call();
        }
        catch (RpcException ex)
        {
            refused = ex;
        }
        Assert.True(refused is not null, $"{because}: answered with a response instead of INVALID_ARGUMENT naming {field}");
        var exception = refused;
        Assert.True(exception.StatusCode == StatusCode.InvalidArgument,
            $"{because}: expected INVALID_ARGUMENT naming {field}, got {exception.StatusCode}: {exception.Status.Detail}");
        var violations = exception.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? [];
        Assert.True(violations.Contains(field), $"{because}: the violations name {string.Join(", ", violations)}, not {field}");
        return exception;
    }
}

/// <summary>A client that calls any unary method of any contract by its descriptor; made through ServiceHost.Client with a token.</summary>
public sealed class ContractClient : ClientBase<ContractClient>
{
    public ContractClient(CallInvoker callInvoker) : base(callInvoker) { }

    private ContractClient(ClientBaseConfiguration configuration) : base(configuration) { }

    protected override ContractClient NewInstance(ClientBaseConfiguration configuration) => new(configuration);

    public async Task<IMessage> CallAsync(MethodDescriptor method, IMessage request)
    {
        var call = new Method<IMessage, IMessage>(MethodType.Unary, method.Service.FullName, method.Name,
            Marshal(method.InputType), Marshal(method.OutputType));
        return await CallInvoker.AsyncUnaryCall(call, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), request);
    }

    public Task<IMessage> CallAsync(MethodDescriptor method, object fields) => CallAsync(method, ContractSweepCc.Request(method, fields));

    /// <summary>Every item of a List method over all its pages (the response's one repeated message field), <paramref name="pageSize"/> a page.</summary>
    public async Task<List<IMessage>> ListAllAsync(MethodDescriptor method, IMessage request, int pageSize = 50)
    {
        var items = new List<IMessage>();
        var page = request.Descriptor.Parser.ParseFrom(request.ToByteArray());
        ContractSweepCc.Set(page, "page_size", pageSize);
        var repeated = method.OutputType.Fields.InDeclarationOrder().Single(f => f.IsRepeated && f.FieldType == FieldType.Message);
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 1000, $"{method.Name} did not reach its last page");
            var response = await CallAsync(method, page);
            items.AddRange(((System.Collections.IList)repeated.Accessor.GetValue(response)).Cast<IMessage>());
            var next = (string)ContractSweepCc.Get(response, "next_page_token")!;
            if (next.Length == 0)
            {
                return items;
            }
            ContractSweepCc.Set(page, "page_token", next);
        }
    }

    private static Marshaller<IMessage> Marshal(MessageDescriptor descriptor) =>
        Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => descriptor.Parser.ParseFrom(bytes));
}
