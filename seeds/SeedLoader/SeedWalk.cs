using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace Collaboration.Seeds;

/// <summary>A seed file: records, each the calls that make it, in order.</summary>
public sealed record SeedRecord(string Key, IReadOnlyList<JsonObject> Steps);

/// <summary>
/// Walks a record's calls through the API and lets the services decide. A step is
/// <c>{ "call": "SubmitLab" | "collaboration.labs.v1.LabService/SubmitLab", "as": "admin" | credit code, "body": {…} }</c>
/// (or <c>"stream": [{…}, …]</c> for a client-streaming method), optionally with <c>"save": "var"</c> (the answer, for
/// <c>${var.field}</c> in later bodies) and <c>"expect": {…}</c> (fields the answer must hold); <c>${org:CODE}</c> is an
/// organisation of organizations.json, <c>${requestId}</c> the step's request id. <c>{ "each": "var.list", "sortBy", "from",
/// "to", "steps": […] }</c> repeats its steps for a slice of a saved list, <c>${item…}</c> being the element.
/// Every write gets a request id derived from the record key and the step's place, so a second walk is answered with the
/// stored responses and adds nothing; an Update (which has no request id) is sent only when the resource does not hold
/// its masked fields yet. Anything the service refuses stops the walk with the record and step named.
/// </summary>
public sealed partial class SeedWalk(GatewayClient client, SeedData data, Actor admin, Func<SeedOrganization, Actor> ownerOf)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly Lazy<Dictionary<string, MethodDescriptor>> Methods = new(FindMethods);

    public static IReadOnlyList<SeedRecord> Read(string path)
    {
        try
        {
            var file = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
            var records = file["records"]!.AsArray().Select(r => new SeedRecord(
                (string)r!["key"]!, r["steps"]!.AsArray().Select(s => s!.AsObject()).ToList())).ToList();
            foreach (var duplicate in records.GroupBy(r => r.Key).Where(g => g.Count() > 1))
            {
                throw new SeedException($"{path}: the key '{duplicate.Key}' is used twice (request ids derive from it).", SeedException.InvalidData);
            }
            return records;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new SeedException($"{path} is not a seed file (records of key and steps): {e.Message}", SeedException.InvalidData);
        }
    }

    /// <summary>The service a file's records are written to: the one its first call belongs to.</summary>
    public static ServiceDescriptor ServiceOf(IReadOnlyList<SeedRecord> records) => Method(records[0].Steps[0]).Service;

    /// <summary>Waits for the service to answer a cheap admin read; false when the address does not serve it.</summary>
    public Task<bool> WaitForAsync(ServiceDescriptor service, CancellationToken cancellationToken)
    {
        var list = service.Methods.First(m => m.Name.StartsWith("List", StringComparison.Ordinal) && m.InputType.FindFieldByName("parent") is null);
        var request = list.InputType.Parser.ParseJson("{\"pageSize\": 1}");
        return client.WaitForAsync(service.FullName, admin, o => Unary(list, request, o), cancellationToken);
    }

    /// <summary>Walks one record; the last answer (the record's final read).</summary>
    public async Task<JsonObject?> WalkAsync(SeedRecord record, CancellationToken cancellationToken)
    {
        var saved = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        JsonObject? last = null;
        for (var i = 0; i < record.Steps.Count; i++)
        {
            last = await StepAsync(record, $"{i + 1}", record.Steps[i], saved, cancellationToken) ?? last;
        }
        return last;
    }

    private async Task<JsonObject?> StepAsync(SeedRecord record, string place, JsonObject step, Dictionary<string, JsonNode?> saved,
        CancellationToken cancellationToken)
    {
        if (step["each"] is { } each)
        {
            return await EachAsync(record, place, step, (string)each!, saved, cancellationToken);
        }
        var method = Method(step);
        var where = $"{record.Key} step {place} ({method.Name})";
        var requestId = RequestIds.Stable($"{record.Key}/{place}");
        try
        {
            var who = (string?)step["as"] ?? throw new SeedException($"{where}: no \"as\" (admin or a credit code).", SeedException.InvalidData);
            var actor = who == "admin" ? admin
                : data.Organizations.TryGetValue(who, out var organization) ? ownerOf(organization)
                : throw new SeedException($"{where}: \"as\": {who} is not in {SeedData.OrganizationsFileName}.", SeedException.InvalidData);
            JsonObject answer;
            if (step["stream"] is JsonArray stream)
            {
                var messages = stream.Select(m => Message(method.InputType, Resolve(m, saved, requestId, where), where)).ToList();
                answer = Json(await client.CallAsync(where, actor, o => ClientStream(method, messages, o, cancellationToken), cancellationToken));
            }
            else
            {
                var request = Message(method.InputType, Resolve(step["body"] ?? new JsonObject(), saved, requestId, where), where);
                if (request.Descriptor.FindFieldByName("request_id") is { } field && (string)field.Accessor.GetValue(request) == "")
                {
                    field.Accessor.SetValue(request, requestId);
                }
                if (await HeldAlreadyAsync(method, request, actor, where, cancellationToken) is { } held)
                {
                    answer = held;
                }
                else
                {
                    answer = await AllPagesAsync(method, request, actor, where, cancellationToken);
                }
            }
            if (step["expect"] is JsonObject expect && !Holds(answer, expect))
            {
                throw new SeedException($"{where}: the service answered {Show(answer, expect)}, the seeds expect {expect.ToJsonString()}.");
            }
            if ((string?)step["save"] is { } name)
            {
                saved[name] = answer;
            }
            return answer;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw new SeedException($"{where}: {GatewayClient.Describe(e)}");
        }
    }

    private async Task<JsonObject?> EachAsync(SeedRecord record, string place, JsonObject step, string each, Dictionary<string, JsonNode?> saved,
        CancellationToken cancellationToken)
    {
        var where = $"{record.Key} step {place} (each {each})";
        if (Lookup(each, saved, "", where) is not JsonArray list || step["steps"] is not JsonArray steps)
        {
            throw new SeedException($"{where}: \"each\" names no saved list, or there are no \"steps\".", SeedException.InvalidData);
        }
        var items = list.Select(n => n!.AsObject()).ToList();
        if ((string?)step["sortBy"] is { } sortBy)
        {
            items = items.OrderBy(n => n[sortBy]?.ToString(), StringComparer.Ordinal).ToList();
        }
        var from = (int?)step["from"] ?? 0;
        var to = Math.Min((int?)step["to"] ?? items.Count, items.Count);
        if (from > to)
        {
            throw new SeedException($"{where}: {items.Count} items, fewer than \"from\" {from}.");
        }
        JsonObject? last = null;
        for (var i = from; i < to; i++)
        {
            saved["item"] = items[i];
            for (var j = 0; j < steps.Count; j++)
            {
                last = await StepAsync(record, $"{place}/{i}/{j + 1}", steps[j]!.AsObject(), saved, cancellationToken) ?? last;
            }
        }
        saved.Remove("item");
        return last;
    }

    /// <summary>
    /// AIP-134 Update has no request id: before sending one, read the resource (the service's Get of it) and answer with it
    /// when it already holds every masked field, so that a second walk does not repeat it.
    /// </summary>
    private async Task<JsonObject?> HeldAlreadyAsync(MethodDescriptor method, IMessage request, Actor actor, string where, CancellationToken cancellationToken)
    {
        if (!method.Name.StartsWith("Update", StringComparison.Ordinal) || request.Descriptor.FindFieldByName("update_mask") is not { } maskField
            || method.Service.FindMethodByName("Get" + method.Name["Update".Length..]) is not { } get)
        {
            return null;
        }
        var resourceField = request.Descriptor.Fields.InDeclarationOrder().First(f => f.FieldType == FieldType.Message && f != maskField);
        var resource = Json((IMessage)resourceField.Accessor.GetValue(request));
        var read = get.InputType.Parser.ParseJson(new JsonObject { ["name"] = resource["name"]?.DeepClone() }.ToJsonString());
        var current = Json(await client.CallAsync(where, actor, o => Unary(get, read, o), cancellationToken));
        var paths = ((Google.Protobuf.WellKnownTypes.FieldMask)maskField.Accessor.GetValue(request)).Paths;
        return paths.All(p => JsonNode.DeepEquals(Path(resource, p), Path(current, p))) ? current : null;

        static JsonNode? Path(JsonObject o, string path) => path.Split('.').Aggregate((JsonNode?)o, (n, part) => n?[ToJsonName(part)]);
    }

    /// <summary>One answer; for a List, every page's items in one answer.</summary>
    private async Task<JsonObject> AllPagesAsync(MethodDescriptor method, IMessage request, Actor actor, string where, CancellationToken cancellationToken)
    {
        var answer = Json(await client.CallAsync(where, actor, o => Unary(method, request, o), cancellationToken));
        var pageToken = request.Descriptor.FindFieldByName("page_token");
        while (pageToken is not null && (string?)answer["nextPageToken"] is { Length: > 0 } next)
        {
            pageToken.Accessor.SetValue(request, next);
            var page = Json(await client.CallAsync(where, actor, o => Unary(method, request, o), cancellationToken));
            foreach (var (key, value) in page)
            {
                if (value is JsonArray items && answer[key] is JsonArray all)
                {
                    foreach (var item in items)
                    {
                        all.Add(item?.DeepClone());
                    }
                }
            }
            answer["nextPageToken"] = page["nextPageToken"]?.DeepClone();
        }
        return answer;
    }

    private AsyncUnaryCall<IMessage> Unary(MethodDescriptor method, IMessage request, CallOptions options) =>
        client.Invoker.AsyncUnaryCall(GrpcMethod(method, MethodType.Unary), null, options, request);

    /// <summary>A client-streaming call as a unary one, so it gets the same deadline, token and retries (its request id makes a repeat safe).</summary>
    private AsyncUnaryCall<IMessage> ClientStream(MethodDescriptor method, IReadOnlyList<IMessage> messages, CallOptions options,
        CancellationToken cancellationToken)
    {
        var call = client.Invoker.AsyncClientStreamingCall(GrpcMethod(method, MethodType.ClientStreaming), null, options);
        return new AsyncUnaryCall<IMessage>(SendAsync(), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);

        async Task<IMessage> SendAsync()
        {
            try
            {
                foreach (var message in messages)
                {
                    await call.RequestStream.WriteAsync(message, cancellationToken);
                }
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                // The server ended the call early (a refused header, an unavailable service): its status is the answer.
            }
            return await call.ResponseAsync;
        }
    }

    private static Method<IMessage, IMessage> GrpcMethod(MethodDescriptor method, MethodType type) =>
        new(type, method.Service.FullName, method.Name,
            Marshallers.Create<IMessage>(m => m.ToByteArray(), b => method.InputType.Parser.ParseFrom(b)),
            Marshallers.Create<IMessage>(m => m.ToByteArray(), b => method.OutputType.Parser.ParseFrom(b)));

    private static MethodDescriptor Method(JsonObject step)
    {
        var call = (string?)step["call"] ?? throw new SeedException($"a step without \"call\": {step.ToJsonString()}", SeedException.InvalidData);
        return Methods.Value.TryGetValue(call, out var method) ? method
            : throw new SeedException($"\"{call}\" is no method of the contracts (or a short name more than one service has).", SeedException.InvalidData);
    }

    /// <summary>Every method of the contracts, by "package.Service/Method" and, where only one service has it, by its short name.</summary>
    private static Dictionary<string, MethodDescriptor> FindMethods()
    {
        var files = typeof(Collaboration.Common.V1.Organization).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static))
            .Where(p => p?.PropertyType == typeof(FileDescriptor))
            .Select(p => (FileDescriptor)p!.GetValue(null)!);
        var methods = files.SelectMany(f => f.Services).SelectMany(s => s.Methods).ToList();
        var byName = methods.ToDictionary(m => $"{m.Service.FullName}/{m.Name}", StringComparer.Ordinal);
        foreach (var unique in methods.GroupBy(m => m.Name).Where(g => g.Count() == 1))
        {
            byName[unique.Key] = unique.Single();
        }
        return byName;
    }

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex Placeholder();

    /// <summary>The body with its placeholders replaced: a string that is one placeholder becomes the value, others are interpolated.</summary>
    private JsonNode? Resolve(JsonNode? node, Dictionary<string, JsonNode?> saved, string requestId, string where) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Resolve(p.Value, saved, requestId, where)))),
        JsonArray a => new JsonArray(a.Select(n => Resolve(n, saved, requestId, where)).ToArray()),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && (string)v! is var text && Placeholder().IsMatch(text) =>
            Placeholder().Match(text) is { } whole && whole.Length == text.Length
                ? Lookup(whole.Groups[1].Value, saved, requestId, where)?.DeepClone()
                : JsonValue.Create(Placeholder().Replace(text, m => Lookup(m.Groups[1].Value, saved, requestId, where)?.ToString() ?? "")),
        _ => node?.DeepClone(),
    };

    private JsonNode? Lookup(string expression, Dictionary<string, JsonNode?> saved, string requestId, string where)
    {
        if (expression == "requestId")
        {
            return JsonValue.Create(requestId);
        }
        if (expression.StartsWith("org:", StringComparison.Ordinal))
        {
            return data.Organizations.TryGetValue(expression[4..], out var organization) ? Json(organization.ToProto())
                : throw new SeedException($"{where}: ${{{expression}}} is not in {SeedData.OrganizationsFileName}.", SeedException.InvalidData);
        }
        var parts = expression.Split('.');
        if (!saved.TryGetValue(parts[0], out var value))
        {
            throw new SeedException($"{where}: ${{{expression}}}: nothing was saved as '{parts[0]}' before this step.", SeedException.InvalidData);
        }
        return parts.Skip(1).Aggregate(value, (n, part) => n?[part]);
    }

    /// <summary>
    /// The request from its JSON, with the one shorthand the seeds use: a google.type.Date may be written "yyyy-MM-dd".
    /// </summary>
    private static IMessage Message(MessageDescriptor descriptor, JsonNode? body, string where)
    {
        try
        {
            return descriptor.Parser.ParseJson(Dates(descriptor, body)?.ToJsonString() ?? "{}");
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SeedException($"{where}: the body is not a {descriptor.Name}: {e.Message}", SeedException.InvalidData);
        }
    }

    private static JsonNode? Dates(MessageDescriptor descriptor, JsonNode? node)
    {
        if (descriptor.FullName == "google.type.Date" && node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && DateOnly.TryParseExact((string)v!, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new JsonObject { ["year"] = date.Year, ["month"] = date.Month, ["day"] = date.Day };
        }
        if (node is not JsonObject o || descriptor.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal))
        {
            return node;
        }
        foreach (var (key, value) in o.ToList())
        {
            var field = descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == key || f.Name == key);
            if (field is { FieldType: FieldType.Message, IsMap: false })
            {
                o[key] = value is JsonArray a
                    ? new JsonArray(a.Select(n => Dates(field.MessageType, n?.DeepClone())).ToArray())
                    : Dates(field.MessageType, value?.DeepClone());
            }
        }
        return o;
    }

    private static JsonObject Json(IMessage message) => JsonNode.Parse(Formatter.Format(message))!.AsObject();

    private static bool Holds(JsonObject answer, JsonObject expect) =>
        expect.All(p => JsonNode.DeepEquals(answer[p.Key], p.Value));

    private static string Show(JsonObject answer, JsonObject expect) =>
        new JsonObject(expect.Select(p => KeyValuePair.Create(p.Key, answer[p.Key]?.DeepClone()))).ToJsonString();

    private static string ToJsonName(string path) =>
        Regex.Replace(path, "_([a-z0-9])", m => m.Groups[1].Value.ToUpperInvariant());
}
