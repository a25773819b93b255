using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;
using Xunit;

namespace Collaboration.TestSupport;

/// <summary>
/// Sweeps driven by a service's contract: which methods a shared rule applies to (read from the
/// descriptor, so a new method is covered the day it is added), calls by descriptor, and the
/// assertions every service's sweep makes the same way.
/// </summary>
public static class ContractSweep
{
    private static readonly HashSet<string> PagingFields = ["page_size", "page_token", "parent"];

    /// <summary>The methods whose request has this top-level field.</summary>
    public static IReadOnlyList<MethodDescriptor> MethodsWithField(ServiceDescriptor service, string field) =>
        [.. service.Methods.Where(m => m.InputType.FindFieldByName(field) is not null)];

    /// <summary>Where a request carries an etag: its own <c>etag</c>, or, in an update, that of the resource it sends (<c>lab.etag</c> in UpdateLab).</summary>
    public static string? EtagPath(MessageDescriptor request) =>
        request.FindFieldByName("etag") is not null ? "etag"
            : request.FindFieldByName("update_mask") is null ? null
            : request.Fields.InDeclarationOrder()
                .Where(f => f.FieldType == FieldType.Message && !f.IsRepeated && f.MessageType.FindFieldByName("etag") is not null)
                .Select(f => $"{f.Name}.etag").FirstOrDefault();

    public static IReadOnlyList<MethodDescriptor> MethodsWithEtag(ServiceDescriptor service) =>
        [.. service.Methods.Where(m => EtagPath(m.InputType) is not null)];

    /// <summary>Paged List methods.</summary>
    public static IReadOnlyList<MethodDescriptor> ListMethods(ServiceDescriptor service) =>
        [.. service.Methods.Where(m => m.Name.StartsWith("List", StringComparison.Ordinal) && m.InputType.FindFieldByName("page_token") is not null)];

    /// <summary>A List request's filters: every field but paging and the parent.</summary>
    public static IReadOnlyList<string> Filters(MessageDescriptor listRequest) =>
        [.. listRequest.Fields.InDeclarationOrder().Select(f => f.Name).Where(n => !PagingFields.Contains(n))];

    /// <summary>Fails naming every method (or field) the rule applies to without a scenario, and every scenario for one it does not.</summary>
    public static void AssertCovered(string rule, IEnumerable<string> subjects, IEnumerable<string> scenarios)
    {
        var expected = subjects.ToHashSet();
        var covered = scenarios.ToHashSet();
        var missing = expected.Except(covered).Order().ToList();
        var stale = covered.Except(expected).Order().ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0,
            $"{rule}: no scenario for [{string.Join(", ", missing)}]; scenarios for what the contract does not have: [{string.Join(", ", stale)}].");
    }

    /// <summary>A copy of the message with the field at a dotted path set (intermediate messages are created).</summary>
    public static IMessage With(IMessage message, string path, object value)
    {
        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteArray());
        IMessage target = copy;
        var parts = path.Split('.');
        foreach (var part in parts[..^1])
        {
            var field = target.Descriptor.FindFieldByName(part) ?? throw new ArgumentException($"{target.Descriptor.Name} has no field {part}.");
            var child = (IMessage?)field.Accessor.GetValue(target);
            if (child is null)
            {
                child = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                field.Accessor.SetValue(target, child);
            }
            target = child;
        }
        var last = target.Descriptor.FindFieldByName(parts[^1]) ?? throw new ArgumentException($"{target.Descriptor.Name} has no field {parts[^1]}.");
        last.Accessor.SetValue(target, value);
        return copy;
    }

    /// <summary>Runs the checks (one per method, or per caller) concurrently and fails once, naming each failed case and why.</summary>
    public static async Task AllAsync(string rule, IEnumerable<(string Case, Func<Task> Check)> checks)
    {
        var results = await Task.WhenAll(checks.Select(async c =>
        {
            try
            {
                await c.Check();
                return null;
            }
            catch (Exception ex)
            {
                return $"{c.Case}: {ex.Message}";
            }
        }));
        var failures = results.OfType<string>().Order().ToList();
        Assert.True(failures.Count == 0, $"{rule} broken in {failures.Count} case(s):{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
    }

    /// <summary>
    /// AIP-155 across callers: the caller's request with a request id succeeds (and its retry gets the same answer);
    /// every other caller sending the same request with the same id gets INVALID_ARGUMENT naming request_id, not the
    /// stored response, and nothing changes.
    /// </summary>
    public static async Task RequestIdOfAnotherCallerRefusedAsync(MethodDescriptor method, RequestIdCase scenario)
    {
        var request = With(scenario.Request, "request_id", Guid.NewGuid().ToString());
        var first = await scenario.Caller.CallAsync(method, request);
        Assert.Equal(first, await scenario.Caller.CallAsync(method, request));
        var before = await scenario.State();
        foreach (var (who, other) in scenario.Others)
        {
            var refused = await Refused(() => other.CallAsync(method, request), $"{who} reusing the request id");
            Assert.True(refused.StatusCode == StatusCode.InvalidArgument,
                $"{who} reusing the request id: expected InvalidArgument, got {refused.StatusCode}: {refused.Status.Detail}");
            var fields = refused.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? [];
            Assert.True(fields.Contains("request_id"), $"{who} reusing the request id: the refusal names [{string.Join(", ", fields)}], not request_id.");
        }
        Assert.True(before == await scenario.State(), "another caller reusing the request id changed the record.");
    }

    /// <summary>AIP-154: a stale etag is ABORTED and changes nothing.</summary>
    public static async Task StaleEtagAbortedAsync(MethodDescriptor method, EtagCase scenario)
    {
        var request = With(scenario.Request, EtagPath(method.InputType)!, scenario.StaleEtag);
        var before = await scenario.State();
        var refused = await Refused(() => scenario.Caller.CallAsync(method, request), "a stale etag");
        Assert.True(refused.StatusCode == StatusCode.Aborted, $"a stale etag: expected Aborted, got {refused.StatusCode}: {refused.Status.Detail}");
        Assert.True(before == await scenario.State(), "a call with a stale etag changed the record.");
    }

    /// <summary>Every item of a List, over all pages (the response's repeated message field, followed by next_page_token).</summary>
    public static async Task<IReadOnlyList<IMessage>> AllPagesAsync(DynamicClient client, MethodDescriptor list, IMessage request, int pageSize = 50)
    {
        var items = new List<IMessage>();
        var repeated = list.OutputType.Fields.InDeclarationOrder().Single(f => f.IsRepeated && f.FieldType == FieldType.Message);
        var token = "";
        do
        {
            var page = await client.CallAsync(list, With(With(request, "page_size", pageSize), "page_token", token));
            items.AddRange(((System.Collections.IEnumerable)repeated.Accessor.GetValue(page)).Cast<IMessage>());
            token = (string)list.OutputType.FindFieldByName("next_page_token").Accessor.GetValue(page);
        }
        while (token.Length > 0);
        return items;
    }

    /// <summary>The resource name of a message (its <c>name</c> field).</summary>
    public static string NameOf(IMessage resource) => (string)resource.Descriptor.FindFieldByName("name").Accessor.GetValue(resource);

    /// <summary>A stable text of messages, to compare "before" and "after".</summary>
    public static string Text(params IEnumerable<IMessage> messages) => string.Join("\n", messages.Select(m => JsonFormatter.Default.Format(m)));

    private static async Task<RpcException> Refused(Func<Task<IMessage>> call, string what)
    {
        try
        {
            var answer = await call();
            throw new Xunit.Sdk.XunitException($"{what} was answered OK with {JsonFormatter.Default.Format(answer)}.");
        }
        catch (RpcException ex)
        {
            return ex;
        }
    }
}

/// <summary>One method's case for the request_id rule: a request (no id yet) the caller may send, other callers, and the state that must not move.</summary>
public sealed record RequestIdCase(IMessage Request, DynamicClient Caller, IReadOnlyList<(string Who, DynamicClient Client)> Others, Func<Task<string>> State);

/// <summary>One method's case for the etag rule: a request the caller may send, an etag the record had before, and the state that must not move.</summary>
public sealed record EtagCase(IMessage Request, string StaleEtag, DynamicClient Caller, Func<Task<string>> State);

/// <summary>A client that calls any unary method of a contract by its descriptor.</summary>
public sealed class DynamicClient : ClientBase<DynamicClient>
{
    public DynamicClient(CallInvoker invoker) : base(invoker)
    {
    }

    private DynamicClient(ClientBaseConfiguration configuration) : base(configuration)
    {
    }

    public async Task<IMessage> CallAsync(MethodDescriptor method, IMessage request)
    {
        var call = new Method<IMessage, IMessage>(MethodType.Unary, method.Service.FullName, method.Name,
            Marshallers.Create<IMessage>(m => m.ToByteArray(), b => method.InputType.Parser.ParseFrom(b)),
            Marshallers.Create<IMessage>(m => m.ToByteArray(), b => method.OutputType.Parser.ParseFrom(b)));
        return await CallInvoker.AsyncUnaryCall(call, null, new CallOptions(), request);
    }

    /// <summary>Whether the call succeeds; false on the given refusal, which is the only other answer allowed.</summary>
    public async Task<bool> SucceedsAsync(MethodDescriptor method, IMessage request, StatusCode refusal = StatusCode.NotFound)
    {
        try
        {
            await CallAsync(method, request);
            return true;
        }
        catch (RpcException ex) when (ex.StatusCode == refusal)
        {
            return false;
        }
    }

    protected override DynamicClient NewInstance(ClientBaseConfiguration configuration) => new(configuration);
}
