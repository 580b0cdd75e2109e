using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace C2WebSocket.Tests
{
    public class ManifestTests
    {
        [Fact]
        public void Test_ModuleManifest_passes_on_the_built_manifest()
        {
            using var sh = new PsShell();
            var r = sh.Run("Test-ModuleManifest -Path $args[0]", Repo.ModuleManifest);
            r.ThrowIfFailed();
            var m = r.Output.Single();
            Assert.Equal("C2WebSocket", m.Properties["Name"].Value);
            var editions = ((System.Collections.IEnumerable)m.Properties["CompatiblePSEditions"].Value).Cast<object>().Select(o => o.ToString()).ToArray();
            Assert.Contains("Desktop", editions);
            Assert.Contains("Core", editions);
            Assert.Equal(new Version(5, 1), (Version)m.Properties["PowerShellVersion"].Value);
            var exported = sh.Run("(Test-ModuleManifest -Path $args[0]).ExportedCmdlets.Keys | ForEach-Object { $_ }", Repo.ModuleManifest).Output.Select(o => o.ToString()).OrderBy(x => x).ToArray();
            Assert.Equal(8, exported.Length);
            var psdata = sh.Run("(Test-ModuleManifest -Path $args[0]).PrivateData.PSData", Repo.ModuleManifest);
            psdata.ThrowIfFailed();
            {
                var h = (System.Collections.Hashtable)psdata.Output.Single().BaseObject;
                Assert.NotNull(h["Tags"]);
                Assert.StartsWith("https://", (string)h["ProjectUri"]!);
                Assert.StartsWith("https://", (string)h["LicenseUri"]!);
                Assert.False(string.IsNullOrWhiteSpace((string)h["ReleaseNotes"]!));
            }
            var text = File.ReadAllText(Repo.ModuleManifest);
            Assert.Matches(@"CmdletsToExport\s*=\s*@\(", text);
            Assert.DoesNotMatch(@"CmdletsToExport\s*=\s*'\*'", text);
        }

        [Fact]
        public void Built_assembly_version_matches_the_manifest()
        {
            var manifestVersion = new Version(Regex.Match(File.ReadAllText(Path.Combine(Repo.Root, "C2WebSocket.psd1")), @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value);
            var dll = Path.Combine(Repo.ModuleFolder, "C2WebSocket.dll");
            var name = AssemblyName.GetAssemblyName(dll);
            Assert.Equal(new Version(manifestVersion.Major, manifestVersion.Minor, Math.Max(manifestVersion.Build, 0), Math.Max(manifestVersion.Revision, 0)), name.Version);
            var info = FileVersionInfo.GetVersionInfo(dll);
            Assert.Equal(manifestVersion.ToString(), info.ProductVersion!.Split('+')[0]);
            // The built psd1 is the source psd1.
            Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "C2WebSocket.psd1")), File.ReadAllText(Repo.ModuleManifest));
        }

        [Fact]
        public void Module_folder_never_ships_System_Management_Automation()
        {
            Assert.True(File.Exists(Repo.ModuleManifest));
            var sma = Directory.GetFiles(Repo.ModuleFolder, "System.Management.Automation*.dll", SearchOption.AllDirectories);
            Assert.Empty(sma);
            Assert.True(File.Exists(Path.Combine(Repo.ModuleFolder, "dependencies", "System.Text.Json.dll")));
            Assert.True(File.Exists(Path.Combine(Repo.ModuleFolder, "en-US", "C2WebSocket.dll-Help.xml")));
            Assert.True(File.Exists(Path.Combine(Repo.ModuleFolder, "en-US", "about_C2WebSocket.help.txt")));
            Assert.True(File.Exists(Path.Combine(Repo.Root, "LICENSE")));
            Assert.Contains("MIT License", File.ReadAllText(Path.Combine(Repo.Root, "LICENSE")));
        }
    }
}
