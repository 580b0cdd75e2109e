using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace C2WebSocket.HelpBuilder
{
    /// <summary>
    /// The help build: every page of a docs/en-US folder into the module's en-US folder. about_*.md pages become
    /// about_*.help.txt (<see cref="AboutTopicWriter"/>); every other page is a cmdlet (<see cref="CommandPageReader"/>),
    /// and all of them go into one &lt;assembly&gt;-Help.xml (<see cref="MamlWriter"/>). A file is rewritten only when its
    /// content changed.
    /// </summary>
    public static class HelpConverter
    {
        public static IReadOnlyList<string> Convert(string markdownFolder, string outputFolder, string assemblyFileName)
        {
            Directory.CreateDirectory(outputFolder);
            var written = new List<string>();
            var commands = new List<CommandDoc>();
            foreach (var file in Directory.GetFiles(markdownFolder, "*.md").OrderBy(f => f, StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                {
                    var target = Path.Combine(outputFolder, name + ".help.txt");
                    WriteIfChanged(target, AboutTopicWriter.ToText(file, File.ReadAllLines(file)));
                    written.Add(target);
                }
                else
                {
                    commands.Add(CommandPageReader.Read(file, File.ReadAllLines(file)));
                }
            }
            if (commands.Count > 0)
            {
                var maml = Path.Combine(outputFolder, assemblyFileName + "-Help.xml");
                WriteIfChanged(maml, MamlWriter.ToText(commands));
                written.Add(maml);
            }
            return written;
        }

        private static void WriteIfChanged(string path, string content)
        {
            if (File.Exists(path) && File.ReadAllText(path) == content)
            {
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // keeps MSBuild's incremental check satisfied
                return;
            }
            File.WriteAllText(path, content, new UTF8Encoding(false));
        }
    }
}
