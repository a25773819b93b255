using Google.Rpc;

namespace Collaboration.Shared.Errors;

/// <summary>
/// Collects every bad field of a request so the caller learns all of them at once,
/// then throws one INVALID_ARGUMENT with a <see cref="BadRequest"/>.
/// </summary>
public sealed class FieldViolations
{
    private readonly List<BadRequest.Types.FieldViolation> _violations = [];

    public bool IsEmpty => _violations.Count == 0;

    public IReadOnlyList<BadRequest.Types.FieldViolation> All => _violations;

    public FieldViolations Add(string field, string description)
    {
        _violations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        return this;
    }

    /// <summary>Required, trimmed length within bounds.</summary>
    public FieldViolations Text(string field, string? value, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "is required.");
            }
        }
        else if (value.Length > maxLength)
        {
            Add(field, $"must be at most {maxLength} characters (got {value.Length}).");
        }
        return this;
    }

    public FieldViolations Range(string field, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            Add(field, $"must be between {min} and {max} (got {value}).");
        }
        return this;
    }

    public FieldViolations CreditCode(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            Add(field, "is required.");
        }
        else if (Validation.CreditCode.Check(value) is { } problem)
        {
            Add(field, problem);
        }
        return this;
    }

    public FieldViolations DefinedEnum<TEnum>(string field, TEnum value, bool required = true) where TEnum : struct, Enum
    {
        var number = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
        if (!Enum.IsDefined(value))
        {
            Add(field, $"{number} is not a known {typeof(TEnum).Name}.");
        }
        else if (required && number == 0)
        {
            Add(field, "is required.");
        }
        return this;
    }

    public FieldViolations RequestId(string? requestId)
    {
        if (!string.IsNullOrEmpty(requestId) && !Guid.TryParse(requestId, out _))
        {
            Add("request_id", "must be a UUID.");
        }
        return this;
    }

    public void ThrowIfAny()
    {
        if (_violations.Count > 0)
        {
            throw ApiErrors.InvalidArgument(_violations);
        }
    }
}
