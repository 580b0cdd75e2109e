using System;
using System.IO;

namespace C2WebSocket.Tests
{
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
    }
}
