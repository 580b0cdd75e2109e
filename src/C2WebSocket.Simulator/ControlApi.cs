namespace C2WebSocket.Simulator;
internal static class ControlApi
{
    public static System.Threading.Tasks.Task HandleAsync(C2Simulator sim, Microsoft.AspNetCore.Http.HttpContext ctx)
    { ctx.Response.StatusCode = 501; return System.Threading.Tasks.Task.CompletedTask; }
}
