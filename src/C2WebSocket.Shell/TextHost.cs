using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace C2WebSocket.Shell
{
    /// <summary>
    /// A minimal non-interactive PSHost that renders everything to a TextWriter, so Out-Default produces the
    /// module's table and list views exactly as a console would (used by c2shell and by the format tests).
    /// </summary>
    public sealed class TextHost : PSHost
    {
        private readonly TextHostUI _ui;
        private readonly Guid _id = Guid.NewGuid();

        public TextHost(TextWriter output, int width = 120)
        {
            _ui = new TextHostUI(output, width);
        }

        public override string Name => "C2WebSocket.TextHost";
        public override Version Version => new Version(1, 0);
        public override Guid InstanceId => _id;
        public override PSHostUserInterface UI => _ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override void SetShouldExit(int exitCode) { ExitCode = exitCode; }
        public int? ExitCode { get; private set; }
        public override void EnterNestedPrompt() => throw new NotSupportedException("No nested prompts in a text host.");
        public override void ExitNestedPrompt() => throw new NotSupportedException("No nested prompts in a text host.");
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }

        private sealed class TextHostUI : PSHostUserInterface
        {
            private readonly TextWriter _out;
            private readonly TextRawUI _raw;

            public TextHostUI(TextWriter output, int width)
            {
                _out = output;
                _raw = new TextRawUI(width);
            }

            public override PSHostRawUserInterface RawUI => _raw;
            /// <summary>Plain text: no ANSI escapes in captured or redirected output.</summary>
            public override bool SupportsVirtualTerminal => false;
            // The engine decorates list labels and errors with ANSI SGR sequences whatever OutputRendering
            // says to a custom host; a text host keeps plain text.
            private static readonly System.Text.RegularExpressions.Regex Sgr = new System.Text.RegularExpressions.Regex("\u001b\\[[0-9;]*m", System.Text.RegularExpressions.RegexOptions.Compiled);
            private static string Plain(string value) => value.IndexOf('\u001b') < 0 ? value : Sgr.Replace(value, "");

            public override void Write(string value) { lock (_out) _out.Write(Plain(value)); }
            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
            public override void WriteLine(string value) { lock (_out) _out.WriteLine(Plain(value)); }
            public override void WriteErrorLine(string value) => WriteLine(value);
            public override void WriteDebugLine(string message) => WriteLine("DEBUG: " + message);
            public override void WriteVerboseLine(string message) => WriteLine("VERBOSE: " + message);
            public override void WriteWarningLine(string message) => WriteLine("WARNING: " + message);
            public override void WriteProgress(long sourceId, ProgressRecord record) { }
            public override string ReadLine() => throw new NotSupportedException("This host is not interactive.");
            public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("This host is not interactive.");
            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException("This host is not interactive.");
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException("This host is not interactive.");
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException("This host is not interactive.");
            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => defaultChoice;
        }

        private sealed class TextRawUI : PSHostRawUserInterface
        {
            private Size _size;
            public TextRawUI(int width) { _size = new Size(width, 50); }
            public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
            public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
            public override Size BufferSize { get => new Size(_size.Width, 9999); set => _size = value; }
            public override Coordinates CursorPosition { get; set; }
            public override int CursorSize { get; set; }
            public override bool KeyAvailable => false;
            public override Size MaxPhysicalWindowSize => _size;
            public override Size MaxWindowSize => _size;
            public override Coordinates WindowPosition { get; set; }
            public override Size WindowSize { get => _size; set => _size = value; }
            public override string WindowTitle { get; set; } = "";
            public override void FlushInputBuffer() { }
            public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
            public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("This host is not interactive.");
            public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
            public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
            public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
        }
    }
}
