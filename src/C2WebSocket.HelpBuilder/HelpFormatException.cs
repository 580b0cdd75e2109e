using System;

namespace C2WebSocket.HelpBuilder
{
    /// <summary>A page that cannot become complete help: the file and line to fix (MSBuild shows it as a build error).</summary>
    public sealed class HelpFormatException : Exception
    {
        public HelpFormatException(string file, int line, string message) : base(message) { File = file; Line = line; }
        public string File { get; }
        public int Line { get; }
    }
}
