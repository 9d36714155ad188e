using System.Text;
using Npgsql;

namespace Gateway.Projections.Tables;

/// <summary>
/// A read-model table declared by its row record: each parameter of <typeparamref name="TRow"/>'s constructor is a
/// column, in order (<see cref="TableColumn"/> says how a type is stored). The table's DDL, the projection's
/// batch insert and the queries' reader all derive from the record, so adding a column is adding a parameter.
/// </summary>
/// <typeparam name="TRow">A positional record: one constructor whose parameters are its properties.</typeparam>
public sealed class RowTable<TRow>
    where TRow : class
{
    private readonly RowShape _shape;

    /// <param name="name">Schema-qualified table name.</param>
    /// <param name="indexes">The table's indexes as idempotent statements (<c>CREATE INDEX IF NOT EXISTS …</c>).</param>
    public RowTable(string name, IReadOnlyList<string> indexes)
    {
        Name = name;
        _shape = RowShape.Of(typeof(TRow));
        Columns = _shape.Columns;
        Key = Columns[0];
        Indexes = indexes;
        Insert = InsertStatement();
    }

    public string Name { get; }

    /// <summary>The columns, the first being the primary key.</summary>
    public IReadOnlyList<TableColumn> Columns { get; }

    public TableColumn Key { get; }

    public IReadOnlyList<string> Indexes { get; }

    /// <summary>
    /// Inserts many rows in one statement (one array parameter per column, placeholders <c>^</c> in column order);
    /// a row whose key exists is left as it is, so a page of events applied twice changes nothing.
    /// </summary>
    public string Insert { get; }

    /// <summary>
    /// Creates the table, adds the columns an older version lacked (a new non-null column gets its type's zero, so
    /// existing rows stay valid) and creates its indexes. Idempotent.
    /// </summary>
    public string Ddl()
    {
        var sql = new StringBuilder($"CREATE TABLE IF NOT EXISTS {Name} (\n    ");
        sql.AppendJoin(",\n    ", Columns.Select(Definition)).Append(");\n");
        sql.Append($"ALTER TABLE {Name}\n    ")
            .AppendJoin(",\n    ", Columns.Skip(1).Select(column => $"ADD COLUMN IF NOT EXISTS {Definition(column)}")).Append(";\n");
        sql.AppendJoin(";\n", Indexes).Append(';');
        return sql.ToString();
    }

    /// <summary>The column list to select a row, from the table aliased <paramref name="alias"/>.</summary>
    public string Select(string alias) => string.Join(", ", Columns.Select(column => column.SelectAs(alias)));

    /// <summary>The insert's parameters for <paramref name="rows"/>: one array per column.</summary>
    public object[] Parameters(IReadOnlyList<TRow> rows) => [.. Columns.Select(column => column.Values(rows))];

    /// <summary>The row whose columns start at <paramref name="first"/> in the reader's current record.</summary>
    public TRow Read(NpgsqlDataReader reader, int first = 0) => (TRow)_shape.Read(reader, first);

    /// <summary>Reads every row a command returns (its first columns being <see cref="Select"/>'s).</summary>
    public async Task<List<TRow>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<TRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(Read(reader));
        }
        return rows;
    }

    private string Definition(TableColumn column) => column == Key
        ? $"{column.Name} {column.SqlType} PRIMARY KEY"
        : column.Nullable ? $"{column.Name} {column.SqlType}" : $"{column.Name} {column.SqlType} NOT NULL DEFAULT {column.Zero}";

    private string InsertStatement()
    {
        var names = string.Join(", ", Columns.Select(column => column.Name));
        return $"INSERT INTO {Name} ({names}) SELECT {string.Join(", ", Columns.Select(column => column.FromText("r")))} " +
            $"FROM unnest({string.Join(", ", Columns.Select(column => $"^::{column.ParameterType}[]"))}) AS r({names}) " +
            $"ON CONFLICT ({Key.Name}) DO NOTHING";
    }
}
