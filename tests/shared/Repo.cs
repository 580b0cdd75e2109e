using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace C2WebSocket.Tests
{
    /// <summary>The repository the tests run in: its root, the built module, the module's sources.</summary>
    internal static class Repo
    {
        private static readonly Lazy<string> RootLazy = new Lazy<string>(() =>
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "C2PowerShell.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (C2PowerShell.sln) above " + AppContext.BaseDirectory);
        });

        public static string Root => RootLazy.Value;
        public static string ModuleFolder => Path.Combine(Root, "out", "C2WebSocket");
        public static string ModuleManifest => Path.Combine(ModuleFolder, "C2WebSocket.psd1");

        /// <summary>The module's C# sources (src/C2WebSocket, build output left out), each with its path below that folder
        /// ("Session/SessionLoop.cs"), in ordinal order.</summary>
        public static IReadOnlyList<(string Name, string Text)> ProductSources()
        {
            var root = Path.Combine(Root, "src", "C2WebSocket");
            return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
                .Where(p => !p.StartsWith("obj/", StringComparison.Ordinal) && !p.StartsWith("bin/", StringComparison.Ordinal))
                .OrderBy(p => p, StringComparer.Ordinal)
                .Select(p => (p, File.ReadAllText(Path.Combine(root, p))))
                .ToList();
        }
    }
}
