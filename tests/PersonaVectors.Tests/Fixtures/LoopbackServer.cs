using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PersonaVectors.Tests.Fixtures;

/// <summary>An HTTP server on a free loopback port that hands every request to <see cref="Handle"/>; the fake APIs build on it.</summary>
public abstract class LoopbackServer : IDisposable
{
    readonly HttpListener _listener = new();

    /// <summary>http://127.0.0.1:PORT, without a trailing slash.</summary>
    protected string Root { get; }

    /// <summary>http://localhost:PORT: the same server under another host name, for a stand-in of a second host (a hub's storage).</summary>
    protected string OtherHost => Root.Replace("127.0.0.1", "localhost");

    protected LoopbackServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Root = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Root + "/");
        _listener.Prefixes.Add(Root.Replace("127.0.0.1", "localhost") + "/");
        _listener.Start();
        _ = Task.Run(Serve);
    }

    async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => Handle(ctx));
        }
    }

    protected abstract Task Handle(HttpListenerContext ctx);

    protected static async Task<string> ReadBodyAsync(HttpListenerContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.InputStream);
        return await reader.ReadToEndAsync();
    }

    protected static async Task WriteJsonAsync(HttpListenerContext ctx, int status, string json)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        try
        {
            await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        }
        catch (Exception) { } // the client gave up (timeout tests)
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        GC.SuppressFinalize(this);
    }
}
