using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace C2WebSocket
{
    public enum C2DiagnosticLevel
    {
        Debug,
        Verbose,
        Warning,
        Error,
    }
}
