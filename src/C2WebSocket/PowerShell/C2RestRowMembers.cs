using System;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>The hidden members of REST rows (C2WebSocket.Types.ps1xml CodeProperty entries).</summary>
    public static class C2RestRowMembers
    {
        /// <summary>The row exactly as the server sent it (hidden property <c>RawJson</c>).</summary>
        public static string? GetRawJson(PSObject instance) => (instance?.BaseObject as C2RestRow)?.RawJson;

        /// <summary>The method the row came from (hidden property <c>Endpoint</c>).</summary>
        public static string? GetEndpoint(PSObject instance) => (instance?.BaseObject as C2RestRow)?.Endpoint;
    }
}
