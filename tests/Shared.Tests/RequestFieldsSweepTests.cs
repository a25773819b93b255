using System.Collections;
using Collaboration.Shared.Errors;
using Collaboration.Shared.Validation;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Collaboration.Shared.Tests;

/// <summary>
/// The text rule is meant for every method: for every method of every service in the contracts, a request with
/// an unstorable character in every string it can hold (nested, repeated, map keys and values, each oneof member in
/// turn) is refused on exactly those paths.
/// </summary>
public sealed class RequestFieldsSweepTests
{
    private const string Bad = "x\0y";
    private const int MaxDepth = 6;

    public static TheoryData<string> Methods()
    {
        var data = new TheoryData<string>();
        foreach (var method in ContractMethods())
        {
            data.Add(method.FullName);
        }
        return data;
    }

    private static IEnumerable<MethodDescriptor> ContractMethods() =>
        typeof(Collaboration.Alliances.V1.AllianceService).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Reflection", StringComparison.Ordinal) && t.GetProperty("Descriptor")?.PropertyType == typeof(FileDescriptor))
            .Select(t => (FileDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!)
            .Where(f => f.Package.StartsWith("collaboration.", StringComparison.Ordinal))
            .SelectMany(f => f.Services)
            .SelectMany(s => s.Methods);

    [Fact]
    public void Contracts_HaveTheFourServicesMethods() =>
        Assert.True(ContractMethods().Select(m => m.Service.File.Package).Distinct().Count() >= 4
            && ContractMethods().Count() > 50, "the contracts' services were not found");

    [Theory]
    [MemberData(nameof(Methods))]
    public void EveryStringOfEveryRequest_IsChecked(string methodName)
    {
        var method = ContractMethods().Single(m => m.FullName == methodName);
        var input = method.InputType;
        Assert.True(RequestFields.ReachesStrings(input) == HasString(input, []), $"{input.FullName}: ReachesStrings disagrees");
        for (var choice = 0; choice < 4; choice++)
        {
            var expected = new List<string>();
            var request = Fill(input, "", choice, expected, 0);
            var violations = new FieldViolations();
            RequestFields.Check(request, IndustryChains.Embedded(), violations);
            Assert.Equal(expected.Order(), violations.All.Select(v => v.Field).Order());
        }
    }

    private static bool HasString(MessageDescriptor descriptor, HashSet<string> seen) =>
        seen.Add(descriptor.FullName) && descriptor.Fields.InDeclarationOrder().Any(f =>
            f.FieldType == FieldType.String || (f.FieldType == FieldType.Message && HasString(f.MessageType, seen)));

    private static IMessage Fill(MessageDescriptor descriptor, string path, int choice, List<string> expected, int depth)
    {
        var message = (IMessage)Activator.CreateInstance(descriptor.ClrType)!;
        if (depth > MaxDepth)
        {
            return message;
        }
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (field.RealContainingOneof is { } oneof && oneof.Fields[choice % oneof.Fields.Count] != field)
            {
                continue;
            }
            var name = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            if (field.IsMap)
            {
                var value = field.MessageType.FindFieldByNumber(2);
                if (field.MessageType.FindFieldByNumber(1).FieldType != FieldType.String)
                {
                    continue; // no contract has a map with other keys
                }
                var entryName = $"{name}[\"x\\u0000y\"]";
                expected.Add(entryName);
                if (Item(value, entryName, choice, expected, depth) is { } item)
                {
                    ((IDictionary)field.Accessor.GetValue(message)).Add(Bad, item);
                }
            }
            else if (field.IsRepeated)
            {
                if (Item(field, $"{name}[0]", choice, expected, depth) is { } item)
                {
                    ((IList)field.Accessor.GetValue(message)).Add(item);
                }
            }
            else if (Item(field, name, choice, expected, depth) is { } item)
            {
                field.Accessor.SetValue(message, item);
            }
        }
        return message;
    }

    private static object? Item(FieldDescriptor field, string name, int choice, List<string> expected, int depth)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                expected.Add(name);
                return Bad;
            case FieldType.Message when field.MessageType.ClrType == typeof(string): // wrappers: google.protobuf.StringValue
                expected.Add(name);
                return Bad;
            case FieldType.Message when field.MessageType.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal)
                && field.MessageType.Name.EndsWith("Value", StringComparison.Ordinal) && field.MessageType.Name != "Value":
                return null; // other wrappers hold no text
            case FieldType.Message when HasString(field.MessageType, []):
                return depth < MaxDepth ? Fill(field.MessageType, name, choice, expected, depth + 1) : null;
            default:
                return null;
        }
    }
}
