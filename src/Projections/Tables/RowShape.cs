using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Npgsql;

namespace Gateway.Projections.Tables;

/// <summary>
/// How a row record maps to columns: its constructor's parameters in order, a parameter whose type is itself a
/// record (not a collection) spread into that record's columns. Built once per row type.
/// </summary>
internal sealed class RowShape
{
    private readonly ConstructorInfo _constructor;

    /// <summary>Per constructor parameter: a column, or a nested shape.</summary>
    private readonly IReadOnlyList<(TableColumn? Column, RowShape? Nested)> _parts;

    private RowShape(ConstructorInfo constructor, IReadOnlyList<(TableColumn?, RowShape?)> parts)
    {
        _constructor = constructor;
        _parts = parts;
        Columns = [.. parts.SelectMany(part => part.Item1 is { } column ? [column] : part.Item2!.Columns)];
    }

    public IReadOnlyList<TableColumn> Columns { get; }

    private int Width => Columns.Count;

    public static RowShape Of(Type row) => Of(row, value => value);

    private static RowShape Of(Type row, Func<object, object?> reach)
    {
        var constructor = row.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var nullability = new NullabilityInfoContext();
        var parts = new List<(TableColumn?, RowShape?)>();
        foreach (var parameter in constructor.GetParameters())
        {
            var property = row.GetProperty(parameter.Name!)
                ?? throw new NotSupportedException($"{row.Name}.{parameter.Name}: a row's constructor parameters must be its properties.");
            var get = Compose(reach, Getter(row, property));
            var type = property.PropertyType;
            if (type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type))
            {
                parts.Add((null, Of(type, get)));
                continue;
            }
            var nullable = Nullable.GetUnderlyingType(type) is not null
                || (!type.IsValueType && nullability.Create(property).ReadState == NullabilityState.Nullable);
            parts.Add((new TableColumn(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name), type, nullable, get), null));
        }
        return new RowShape(constructor, parts);
    }

    public object Read(NpgsqlDataReader reader, int first)
    {
        var arguments = new object?[_parts.Count];
        var ordinal = first;
        for (var i = 0; i < _parts.Count; i++)
        {
            if (_parts[i].Column is { } column)
            {
                arguments[i] = column.Read(reader, ordinal++);
            }
            else
            {
                var nested = _parts[i].Nested!;
                arguments[i] = nested.Read(reader, ordinal);
                ordinal += nested.Width;
            }
        }
        return _constructor.Invoke(arguments);
    }

    private static Func<object, object?> Getter(Type row, PropertyInfo property)
    {
        var value = Expression.Parameter(typeof(object));
        var body = Expression.Convert(Expression.Property(Expression.Convert(value, row), property), typeof(object));
        return Expression.Lambda<Func<object, object?>>(body, value).Compile();
    }

    private static Func<object, object?> Compose(Func<object, object?> outer, Func<object, object?> inner) =>
        value => outer(value) is { } reached ? inner(reached) : null;
}
