using System.Collections;
using System.Text.Json;
using Npgsql;

namespace Gateway.Projections.Tables;

/// <summary>
/// One column of a <see cref="RowTable{TRow}"/>: named after its property in snake case. Strings are <c>text</c>,
/// <c>int</c> <c>integer</c>, <c>long</c> <c>bigint</c>, <c>decimal</c> <c>numeric</c>, <c>double</c> <c>double precision</c>,
/// <c>bool</c> <c>boolean</c>, <c>DateTimeOffset</c> <c>timestamptz</c> (UTC); collections are <c>jsonb</c> (snake-case
/// JSON). A column is nullable exactly when its property is.
/// </summary>
public sealed class TableColumn
{
    /// <summary>How a row's JSON columns are written and read.</summary>
    public static JsonSerializerOptions Json { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly Dictionary<Type, (string Sql, string Zero)> Scalars = new()
    {
        [typeof(string)] = ("text", "''"),
        [typeof(int)] = ("integer", "0"),
        [typeof(long)] = ("bigint", "0"),
        [typeof(decimal)] = ("numeric", "0"),
        [typeof(double)] = ("double precision", "0"),
        [typeof(bool)] = ("boolean", "false"),
        [typeof(DateTimeOffset)] = ("timestamptz", "'epoch'"),
    };

    private readonly Func<object, object?> _get;
    private readonly Func<NpgsqlDataReader, int, object?> _read;

    internal TableColumn(string name, Type type, bool nullable, Func<object, object?> get)
    {
        Name = name;
        Type = type;
        Nullable = nullable;
        _get = get;
        var scalar = System.Nullable.GetUnderlyingType(type) ?? type;
        if (Scalars.TryGetValue(scalar, out var sql))
        {
            SqlType = sql.Sql;
            Zero = sql.Zero;
            ParameterType = sql.Sql;
            _read = ScalarReader(scalar);
        }
        else if (typeof(IEnumerable).IsAssignableFrom(type))
        {
            SqlType = "jsonb";
            Zero = typeof(IDictionary).IsAssignableFrom(type) ? "'{}'" : "'[]'";
            ParameterType = "text";
            _read = (reader, ordinal) => reader.IsDBNull(ordinal) ? null : JsonSerializer.Deserialize(reader.GetString(ordinal), type, Json);
        }
        else
        {
            throw new NotSupportedException($"Column {name}: no column type for {type.Name}.");
        }
    }

    public string Name { get; }

    /// <summary>The property's type.</summary>
    public Type Type { get; }

    public bool Nullable { get; }

    public string SqlType { get; }

    /// <summary>The value a new non-null column takes in existing rows.</summary>
    public string Zero { get; }

    /// <summary>The type the insert sends the column's values as (JSON travels as text).</summary>
    public string ParameterType { get; }

    internal bool IsJson => SqlType == "jsonb";

    internal string SelectAs(string alias) => IsJson ? $"{alias}.{Name}::text" : $"{alias}.{Name}";

    internal string FromText(string alias) => IsJson ? $"{alias}.{Name}::jsonb" : $"{alias}.{Name}";

    /// <summary>The column's values for <paramref name="rows"/> as a typed array (what Npgsql sends as a PostgreSQL array).</summary>
    internal Array Values<TRow>(IReadOnlyList<TRow> rows)
        where TRow : class
    {
        var values = Array.CreateInstance(IsJson ? typeof(string) : Type, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            values.SetValue(Stored(_get(rows[i])), i);
        }
        return values;
    }

    internal object? Read(NpgsqlDataReader reader, int ordinal) => _read(reader, ordinal);

    private object? Stored(object? value) => value switch
    {
        null => null,
        DateTimeOffset at => at.ToUniversalTime(),
        _ when IsJson => JsonSerializer.Serialize(value, Type, Json),
        _ => value,
    };

    private static Func<NpgsqlDataReader, int, object?> ScalarReader(Type scalar) =>
        typeof(TableColumn).GetMethod(nameof(ReadScalar), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(scalar).CreateDelegate<Func<NpgsqlDataReader, int, object?>>();

    private static object? ReadScalar<T>(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
