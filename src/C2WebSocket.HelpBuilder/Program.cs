using System;
using System.IO;

namespace C2WebSocket.HelpBuilder
{
    public static class Program
    {
        /// <summary>C2WebSocket.HelpBuilder &lt;docs/en-US folder&gt; &lt;output en-US folder&gt; [assembly file name]</summary>
        public static int Main(string[] args)
        {
            if (args.Length < 2)
            {
                Console.Error.WriteLine("usage: C2WebSocket.HelpBuilder <markdown folder> <output folder> [C2WebSocket.dll]");
                return 2;
            }
            try
            {
                var written = HelpConverter.Convert(args[0], args[1], args.Length > 2 ? args[2] : "C2WebSocket.dll");
                foreach (var f in written) Console.WriteLine("help: " + f);
                return 0;
            }
            catch (HelpFormatException ex)
            {
                // MSBuild recognises "file(line): error CODE: text" and fails the build with a clickable location.
                Console.Error.WriteLine(ex.File + "(" + ex.Line + "): error C2HELP: " + ex.Message);
                return 1;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Console.Error.WriteLine("error C2HELP: " + ex.Message);
                return 1;
            }
        }
    }
}
