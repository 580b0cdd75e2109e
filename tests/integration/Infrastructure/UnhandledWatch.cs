using System;
using System.Collections.Concurrent;
using System.Threading.Tasks;

namespace C2WebSocket.Tests
{
    /// <summary>Collects exceptions that escaped a background thread or task of the module (they would kill a host).</summary>
    internal sealed class UnhandledWatch : IDisposable
    {
        public readonly ConcurrentQueue<string> Seen = new ConcurrentQueue<string>();

        public UnhandledWatch()
        {
            AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
            TaskScheduler.UnobservedTaskException += OnUnobserved;
        }

        private void OnUnhandled(object? s, UnhandledExceptionEventArgs e) => Seen.Enqueue(e.ExceptionObject?.ToString() ?? "?");

        private void OnUnobserved(object? s, UnobservedTaskExceptionEventArgs e)
        {
            var text = e.Exception.ToString();
            if (text.Contains("at C2WebSocket.") && !text.Contains("at C2WebSocket.Tests.") && !text.Contains("at C2WebSocket.Simulator."))
                Seen.Enqueue(text);
        }

        public void Dispose()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            AppDomain.CurrentDomain.UnhandledException -= OnUnhandled;
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }
}
