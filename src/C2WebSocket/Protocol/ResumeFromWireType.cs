using System;
using System.Text;

namespace C2WebSocket.Protocol
{
    /// <summary>How <c>resume_from</c> is written. C2's field table says string, its gap-fill example a number (docs/protocol.md §6.1).</summary>
    public enum ResumeFromWireType
    {
        String,
        Number,
    }
}
