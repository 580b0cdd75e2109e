using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using C2WebSocket.Module;
using Xunit;
using Act = C2WebSocket.Module.DependencyResolution.Action;

namespace C2WebSocket.Tests
{
    /// <summary>The Windows PowerShell 5.1 resolver's decisions, as a pure function.</summary>
    public class DependencyResolverTests
    {
        private static readonly IReadOnlyDictionary<string, (string Path, Version Version)> Deps =
            new Dictionary<string, (string, Version)>(StringComparer.OrdinalIgnoreCase)
            {
                ["System.Text.Json"] = ("/m/dependencies/System.Text.Json.dll", new Version(8, 0, 0, 5)),
                ["System.Memory"] = ("/m/dependencies/System.Memory.dll", new Version(4, 0, 1, 2)),
            };

        private static AssemblyName N(string name, string? version) =>
            new AssemblyName(name + (version != null ? ", Version=" + version : "") + ", Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51");

        [Fact]
        public void Loads_a_dependency_when_the_requested_version_is_not_newer_than_the_file()
        {
            var d = DependencyResolution.Decide(N("System.Text.Json", "8.0.0.0"), Deps, Array.Empty<AssemblyName>());
            Assert.Equal(Act.LoadFile, d.Kind);
            Assert.Equal("/m/dependencies/System.Text.Json.dll", d.Path);
            Assert.Equal(Act.LoadFile, DependencyResolution.Decide(N("System.Text.Json", "8.0.0.5"), Deps, Array.Empty<AssemblyName>()).Kind);
            Assert.Equal(Act.LoadFile, DependencyResolution.Decide(N("system.text.json", null), Deps, Array.Empty<AssemblyName>()).Kind);
        }

        [Fact]
        public void Ignores_names_that_are_not_in_the_dependencies_folder()
        {
            Assert.Equal(Act.Ignore, DependencyResolution.Decide(N("Newtonsoft.Json", "13.0.0.0"), Deps, Array.Empty<AssemblyName>()).Kind);
            Assert.Equal(Act.Ignore, DependencyResolution.Decide(N("System.Management.Automation", "3.0.0.0"), Deps, Array.Empty<AssemblyName>()).Kind);
            Assert.Equal(Act.Ignore, DependencyResolution.Decide(N("System.Text", "8.0.0.0"), Deps, Array.Empty<AssemblyName>()).Kind);
        }

        [Fact]
        public void Reuses_an_already_loaded_copy_that_satisfies_the_request()
        {
            var loaded = new[] { N("System.Text.Json", "9.0.0.0"), N("System.Text.Json", "8.0.0.1") };
            var d = DependencyResolution.Decide(N("System.Text.Json", "8.0.0.0"), Deps, loaded);
            Assert.Equal(Act.UseLoaded, d.Kind);
            Assert.Equal(new Version(9, 0, 0, 0), d.Loaded!.Version);
        }

        [Fact]
        public void A_newer_request_than_the_file_is_left_to_the_runtime_when_an_older_copy_is_loaded()
        {
            var loaded = new[] { N("System.Text.Json", "6.0.0.0") };
            Assert.Equal(Act.Ignore, DependencyResolution.Decide(N("System.Text.Json", "10.0.0.0"), Deps, loaded).Kind);
            // ...but with no copy loaded at all, ours is the only chance.
            Assert.Equal(Act.LoadFile, DependencyResolution.Decide(N("System.Text.Json", "10.0.0.0"), Deps, Array.Empty<AssemblyName>()).Kind);
            // An older loaded copy does not satisfy an in-range request: load ours.
            Assert.Equal(Act.LoadFile, DependencyResolution.Decide(N("System.Text.Json", "8.0.0.0"), Deps, loaded).Kind);
        }

        [Fact]
        public void Scan_reads_names_and_versions_of_the_shipped_dependencies_without_loading_them()
        {
            var found = DependencyResolution.Scan(Path.Combine(Repo.ModuleFolder, "dependencies"));
            Assert.True(found.ContainsKey("System.Text.Json"));
            Assert.Equal(8, found["System.Text.Json"].Version.Major);
            Assert.False(found.ContainsKey("System.Management.Automation"));
            Assert.Empty(DependencyResolution.Scan(Path.Combine(Repo.Root, "no-such-folder")));
        }

    }

    [CollectionDefinition(nameof(ModuleInitializerCollection), DisableParallelization = true)]
    public class ModuleInitializerCollection { }

    /// <summary>Runs alone: the import count is process-wide.</summary>
    [Collection(nameof(ModuleInitializerCollection))]
    public class ModuleInitializerTests
    {
        [Fact]
        public void Import_installs_the_resolver_and_Remove_Module_removes_it()
        {
            var before = ModuleInitializer.ImportCount;
            using var sh = new PsShell();
            Assert.Equal(before + 1, ModuleInitializer.ImportCount);
            Assert.True(ModuleInitializer.IsInstalled);
            sh.Run("Remove-Module C2WebSocket").ThrowIfFailed();
            Assert.Equal(before, ModuleInitializer.ImportCount);
            sh.Run("Import-Module $args[0]", Repo.ModuleManifest).ThrowIfFailed();
            Assert.Equal(before + 1, ModuleInitializer.ImportCount);
            sh.Run("Remove-Module C2WebSocket").ThrowIfFailed();
        }
    }
}
