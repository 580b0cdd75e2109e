using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>Another session or process already owns a stream of the checkpoint.</summary>
    public sealed class C2CheckpointInUseException : IOException
    {
        internal C2CheckpointInUseException(string message, string checkpointPath, long strategyId, string? holder) : base(message)
        {
            CheckpointPath = checkpointPath; StrategyId = strategyId; Holder = holder;
        }
        public string CheckpointPath { get; }
        public long StrategyId { get; }
        /// <summary>Who holds it, as far as known ("process 1234 started 2026-12-04T07:00:01Z, session 1 on host x").</summary>
        public string? Holder { get; }
    }
}
