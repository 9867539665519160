using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace BayesHlm.Data.Sources;

/// <summary>
/// A PostgreSQL database through Npgsql: a URL <c>postgres://user[:password]@host[:port]/database[?sslmode=…]</c> (host
/// may be a socket folder, percent-encoded: <c>%2Fvar%2Frun%2Fpostgresql</c>) or a keyword connection string
/// (<c>Host=127.0.0.1;Port=5432;Username=u;Database=d</c>). Without a password the usual PGPASSWORD / .pgpass apply.
/// </summary>
public sealed class PostgresSource : SqlSource
{
    private readonly string _database;

    private PostgresSource(DbConnection connection, DataSource source, string database) : base(connection, source) => _database = database;

    /// <inheritdoc/>
    public override string Dialect => "postgres";

    /// <inheritdoc/>
    protected override string Database => _database;

    private string? _currentSchema;

    /// <summary>The first schema of the search path (public unless the connection sets Search Path): its tables need no qualifier.</summary>
    private protected override bool IsDefaultSchema(string schema) =>
        schema == (_currentSchema ??= Query("SELECT current_schema()").Select(r => r[0] as string).FirstOrDefault() ?? "public");

    /// <summary>A keyword connection string for a postgres:// URL (a connection string is returned as it is); a
    /// <see cref="DataException"/> for a URL it cannot read.</summary>
    public static string ConnectionString(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var builder = new NpgsqlConnectionStringBuilder();
        if (!location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            try { builder.ConnectionString = location; }
            catch (ArgumentException e) { throw new DataException($"The PostgreSQL connection string '{Redacted(location)}' cannot be read: {e.Message}", e); }
            return builder.ConnectionString;
        }
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri))
            throw new DataException($"'{Redacted(location)}' is not a PostgreSQL URL: write postgres://user@host:port/database.");
        string host = Uri.UnescapeDataString(uri.Host.Length > 0 ? uri.Host : "localhost");
        builder.Host = host.StartsWith('[') ? host.Trim('[', ']') : host;
        if (uri.Port > 0) builder.Port = uri.Port;
        if (uri.UserInfo.Length > 0)
        {
            string[] user = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(user[0]);
            if (user.Length == 2) builder.Password = Uri.UnescapeDataString(user[1]);
        }
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;
        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            string key = Uri.UnescapeDataString(kv[0]), value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            if (key.Equals("host", StringComparison.OrdinalIgnoreCase)) { builder.Host = value; continue; }
            try { builder[key.Replace('_', ' ')] = value; }
            catch (ArgumentException e) { throw new DataException($"'{Redacted(location)}': the URL parameter '{key}' is not a PostgreSQL connection setting Npgsql knows ({e.Message}).", e); }
        }
        return builder.ConnectionString;
    }

    /// <summary>The location with any password replaced by ***, for messages.</summary>
    public static string Redacted(string location)
    {
        if (location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            int scheme = location.IndexOf("://", StringComparison.Ordinal) + 3;
            int at = location.IndexOf('@', scheme);
            int colon = at < 0 ? -1 : location.IndexOf(':', scheme, at - scheme);
            return colon < 0 ? location : location[..(colon + 1)] + "***" + location[at..];
        }
        return string.Join(';', location.Split(';').Select(p =>
            p.Trim().StartsWith("password", StringComparison.OrdinalIgnoreCase) || p.Trim().StartsWith("pwd", StringComparison.OrdinalIgnoreCase)
                ? p[..(p.IndexOf('=') + 1)] + "***" : p));
    }

    /// <summary>Connects; a <see cref="DataException"/> naming the host and port and what to check when the server
    /// cannot be reached, refuses the login, or has no such database.</summary>
    public static new PostgresSource Open(DataSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        string connectionString = ConnectionString(source.Location);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Timeout == 15) builder.Timeout = 10;
        string where = $"{(builder.Host ?? "localhost")}:{builder.Port}";
        string shown = $"postgres {(builder.Username is { } u ? u + "@" : "")}{where}/{builder.Database}";
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            connection.Open();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or SocketException or ArgumentException or TimeoutException)
        {
            connection.Dispose();
            throw new DataException(ConnectFailed(e, shown, where, builder), e);
        }
        return new PostgresSource(connection, source, shown);
    }

    private static string ConnectFailed(Exception e, string shown, string where, NpgsqlConnectionStringBuilder builder)
    {
        if (e is PostgresException p)
            return p.SqlState switch
            {
                "28P01" => $"{shown}: password authentication failed for user '{builder.Username}'. Check the user and password (in the URL, PGPASSWORD or ~/.pgpass).",
                "28000" => $"{shown}: the server refused the login ({p.MessageText}). Check the user, and that pg_hba.conf lets it connect from here.",
                "3D000" => $"{shown}: the server has no database '{builder.Database}' ({p.MessageText}). Check the name after the last '/' (psql -l lists them).",
                _ => $"{shown}: the server refused the connection: {p.MessageText} (SQLSTATE {p.SqlState}).",
            };
        var socket = e as SocketException ?? e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException;
        if (socket?.SocketErrorCode == SocketError.ConnectionRefused)
            return $"Could not connect to PostgreSQL at {where}: connection refused. Is the server running and listening there (pg_isready -h {builder.Host} -p {builder.Port})? " +
                   "Check the host and port in --data.";
        if (socket?.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData)
            return $"Could not connect to PostgreSQL at {where}: the host '{builder.Host}' is not known. Check the host name in --data.";
        if (e is TimeoutException || e.InnerException is TimeoutException || socket?.SocketErrorCode == SocketError.TimedOut)
            return $"Could not connect to PostgreSQL at {where}: no answer within {builder.Timeout} s. Check the host, the port and any firewall between.";
        return $"Could not connect to PostgreSQL at {where}: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}. Check the host, port, user and database in --data.";
    }

    private protected override string EngineMessage(Exception e) => e switch
    {
        PostgresException p => $"{p.MessageText}{(p.Position > 0 ? $" (at character {p.Position})" : "")}{(p.Hint is { } h ? $"; hint: {h}" : "")}",
        _ => e.Message,
    };
}
